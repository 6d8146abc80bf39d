#!/usr/bin/env python3
"""Writes the budget-like test files of TestHiddenIDAmongKeys (run it here).

Accounting keys of 10-15 digits; the 11-digit keys pass neither the
identity-number checks nor the bank-account control digit. Planted:
  budsjett-skjult-fnr.csv  one fødselsnummer born 14 March 1985 among the keys
  budsjett-dodsdato.csv    one number that passes the checks with a birth
                           date in 1880 (no living person)
  budsjett-mange-fnr.csv   ten real-looking fødselsnummer among 30 keys
"""
import calendar
import random

random.seed(20161)


def idbirth(s):
    if len(s) != 11 or not s.isdigit():
        return None
    n = [int(c) for c in s]
    k1 = 11 - (3*n[0]+7*n[1]+6*n[2]+1*n[3]+8*n[4]+9*n[5]+4*n[6]+5*n[7]+2*n[8]) % 11
    k1 = 0 if k1 == 11 else k1
    if k1 == 10 or k1 != n[9]:
        return None
    k2 = 11 - (5*n[0]+4*n[1]+3*n[2]+2*n[3]+7*n[4]+6*n[5]+5*n[6]+4*n[7]+3*n[8]+2*n[9]) % 11
    k2 = 0 if k2 == 11 else k2
    if k2 == 10 or k2 != n[10]:
        return None
    day, month, yy, indiv = n[0]*10+n[1], n[2]*10+n[3], n[4]*10+n[5], n[6]*100+n[7]*10+n[8]
    if day > 40:
        day -= 40
    if month > 80:
        month -= 80
    elif month > 40:
        month -= 40
    if indiv <= 499:
        y = 1900 + yy
    elif indiv <= 749 and yy >= 54:
        y = 1800 + yy
    elif indiv >= 500 and yy <= 39:
        y = 2000 + yy
    elif indiv >= 900 and yy >= 40:
        y = 1900 + yy
    else:
        return None
    if month < 1 or month > 12 or day < 1 or day > calendar.monthrange(y, month)[1]:
        return None
    return y


def account(s):
    w = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]
    k = 11 - sum(int(a)*b for a, b in zip(s, w)) % 11
    k = 0 if k == 11 else k
    return k != 10 and k == int(s[10])


def make(day, month, yy, lo, hi):
    for i in range(lo, hi+1):
        for k in range(100):
            s = "%02d%02d%02d%03d%02d" % (day, month, yy, i, k)
            if idbirth(s):
                return s


def key(n):
    while True:
        s = str(random.randint(10**(n-1), 10**n-1))
        if n == 11 and (idbirth(s) or account(s)):
            continue
        return s


ARTS = ["LØNN FAST ANSATTE", "KONSULENTTJENESTER", "LEIE AV LOKALER", "TILSKUDD DIVERSE",
        "AVSKRIVNINGER", "INVENTAR OG UTSTYR", "BEVERTNING", "REISEUTGIFTER"]


def rows(n, plant):
    out = []
    for _ in range(n):
        out.append([str(random.choice([316000, 800000, 800016, 412000])), random.choice(ARTS),
                    key(random.choice([10, 11, 11, 11, 12, 13, 15])), str(random.randint(-500, 5000)*1000)])
    for pos, v in plant:
        out[pos][2] = v
    return out


def write(name, rs):
    with open(name, "w") as f:
        f.write("ansvar;art_tekst;budsjettnokkel;beloep\n")
        for r in rs:
            f.write(";".join(r) + "\n")


write("budsjett-skjult-fnr.csv", rows(120, [(57, make(14, 3, 85, 200, 499))]))
write("budsjett-dodsdato.csv", rows(120, [(31, make(23, 11, 80, 500, 749))]))
born = [(1, 2, 61), (12, 5, 72), (3, 9, 90), (28, 2, 44), (17, 7, 3), (9, 10, 55), (21, 1, 99), (30, 4, 68), (5, 6, 81), (11, 12, 77)]
write("budsjett-mange-fnr.csv", rows(30, [(i*3, make(d, m, y, 100, 499)) for i, (d, m, y) in enumerate(born)]))
