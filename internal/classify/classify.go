// Package classify is Dele's personal-data gate. A Scanner looks at every
// value of every row of an extracted dataset (streaming, never a sample) and
// labels each column with what it holds: Norwegian national identity numbers
// (fødselsnummer, D-nummer, H-nummer and synthetic test numbers), e-mail
// addresses, phone numbers, bank account numbers, IP addresses, person names,
// street addresses next to names, and the names of sole proprietorships
// (ENK). Organisation numbers are recognised and reported as not personal.
//
// The labels carry a confidence and the evidence (match counts, rows
// scanned and the line numbers of a few examples), never the values.
// Decide turns the labels and the declared access right into a decision
// that fails closed: a PUBLIC dataset with personal data that the steward
// has not treated or acknowledged is not published. A Treater applies the
// definition's column treatments (drop, mask, hash, generalise) to each
// record before it is scanned or written.
package classify

import (
	_ "embed"
	"strings"
)

// Kind is what a column holds.
type Kind string

// The kinds a Scanner reports. Every kind except KindOrgNr is personal data.
const (
	// KindFodselsnummer is an 11-digit fødselsnummer with valid control
	// digits and a plausible birth date.
	KindFodselsnummer Kind = "fodselsnummer"
	// KindDnummer is a D-nummer (day + 40), given to people without a
	// fødselsnummer.
	KindDnummer Kind = "dnummer"
	// KindHnummer is an H-nummer (month + 40), a help number used in health
	// care; NAV's synthetic test numbers use the same form.
	KindHnummer Kind = "hnummer"
	// KindSyntheticID is a synthetic test number from Skatteetaten's test
	// population (month + 80). It names no real person but is reported, and
	// blocks, like the others: a test number in production data is a bug.
	KindSyntheticID Kind = "synthetic-id"
	// KindEmail is an e-mail address.
	KindEmail Kind = "email"
	// KindPhone is a Norwegian phone number.
	KindPhone Kind = "phone"
	// KindBankAccount is an 11-digit bank account number with a valid
	// mod-11 control digit.
	KindBankAccount Kind = "bank-account"
	// KindIPAddress is an IPv4 or IPv6 address.
	KindIPAddress Kind = "ip-address"
	// KindPersonName is a person's name, found by the column header or by
	// the values.
	KindPersonName Kind = "person-name"
	// KindAddressWithName is a street address in rows that also hold a
	// person's name.
	KindAddressWithName Kind = "address-with-name"
	// KindENKName is the name of a sole proprietorship (organisation form
	// ENK), which is by law the owner's name.
	KindENKName Kind = "enk-name"
	// KindBirthDate is a birth date or birth year, found by the column
	// header (fødselsdato, fødselsår, født, date_of_birth …). Next to a
	// name it identifies a person.
	KindBirthDate Kind = "birth-date"
	// KindOrgNr is an organisation number. It is not personal data.
	KindOrgNr Kind = "organisation-number"
)

// Personal reports whether k is personal data.
func (k Kind) Personal() bool { return k != KindOrgNr && k != "" }

// NationalID reports whether k is a national identity number (or a test
// number of the same form). These can never be acknowledged in an allow
// list: they must be dropped, hashed or the dataset restricted.
func (k Kind) NationalID() bool {
	return k == KindFodselsnummer || k == KindDnummer || k == KindHnummer || k == KindSyntheticID
}

// ContactInfo reports whether k is contact information (e-mail, phone).
// Such columns often hold an office's address rather than a person's; they
// block a PUBLIC dataset until the steward acknowledges them in the
// definition's allow list.
func (k Kind) ContactInfo() bool { return k == KindEmail || k == KindPhone }

// Kinds lists every kind, in report order.
var Kinds = []Kind{
	KindFodselsnummer, KindDnummer, KindHnummer, KindSyntheticID,
	KindBankAccount, KindEmail, KindPhone, KindIPAddress,
	KindPersonName, KindENKName, KindAddressWithName, KindBirthDate, KindOrgNr,
}

// Confidence says how sure a label is.
type Confidence string

// Confidence levels.
const (
	// High: the values validate (control digits, date) in most non-empty
	// cells, or the header names the kind and values agree.
	High Confidence = "high"
	// Medium: some values match, or the header names the kind.
	Medium Confidence = "medium"
	// Low: a few values match a loose pattern (free-text names). Low labels
	// block publication all the same: the gate fails closed.
	Low Confidence = "low"
)

// Label is one thing found in a column, with its evidence.
type Label struct {
	Kind Kind `json:"kind"`
	// Personal is whether Kind is personal data.
	Personal   bool       `json:"personal"`
	Confidence Confidence `json:"confidence"`
	// Matches counts the cells (rows) with at least one match.
	Matches int64 `json:"matches"`
	// Share is Matches divided by the column's non-empty cells.
	Share float64 `json:"share"`
	// HeaderHint is set when the column header names this kind.
	HeaderHint bool `json:"headerHint,omitempty"`
	// Examples are the source line numbers of the first matching rows.
	Examples []int64 `json:"examples,omitempty"`
	// Reason explains the label in a few words.
	Reason string `json:"reason"`
	// ChanceLevel is set on identity numbers found in a column of numeric
	// keys where the 11-digit values pass the checks at the rate chance
	// gives (under 10 % of at least 20). They block all the same; only
	// these can be covered by keeping the column as not personal data
	// (Column.KeepReason).
	ChanceLevel bool `json:"chanceLevel,omitempty"`
}

// Column is the classification of one column.
type Column struct {
	Index int    `json:"index"`
	Name  string `json:"name"`
	// NonEmpty counts the non-empty cells.
	NonEmpty int64 `json:"nonEmpty"`
	// Treated is the treatment already applied to the column (hash, mask);
	// hashed and masked columns are not scanned. A kept column (keep) is
	// scanned as usual.
	Treated string `json:"treated,omitempty"`
	// KeepReason is the steward's reason for keeping the column as not
	// personal data (treatment keep).
	KeepReason string `json:"keepReason,omitempty"`
	// Allowed are the kinds the definition acknowledges for this column.
	Allowed []Kind  `json:"allowed,omitempty"`
	Labels  []Label `json:"labels,omitempty"`
	// Notes explain what was seen but not labelled.
	Notes []string `json:"notes,omitempty"`
}

// Result is the classification of a whole dataset.
type Result struct {
	// Rows counts the rows scanned.
	Rows    int64    `json:"rows"`
	Columns []Column `json:"columns"`
	// OrgFormColumn is the organisation-form column used for ENK detection,
	// if any.
	OrgFormColumn string `json:"orgFormColumn,omitempty"`
	// Notes are dataset-level remarks (extra fields, unknown columns).
	Notes []string `json:"notes,omitempty"`
}

// Personal reports whether any column holds personal data.
func (r Result) Personal() bool {
	for _, c := range r.Columns {
		for _, l := range c.Labels {
			if l.Personal {
				return true
			}
		}
	}
	return false
}

//go:embed givennames.txt
var givenNamesText string

var givenNames = loadNames(givenNamesText)

func loadNames(text string) map[string]struct{} {
	m := make(map[string]struct{})
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		m[line] = struct{}{}
		m[strings.ToUpper(line)] = struct{}{}
	}
	return m
}
