// Drives the portal in headless Chromium (Debian's /usr/bin/chromium through
// playwright-core) and prints, as JSON, what a visitor sees and does: the
// listed datasets, what a search and a filter leave, a dataset page's schema
// and preview, a downloaded file, keyboard focus, the page without
// JavaScript, and axe-core's WCAG 2.1 A/AA results. It asserts nothing: the
// Go test (browser_test.go) does. Screenshots go to OUT_DIR.
//
// usage: node browser.mjs NODE_DIR BASE_URL OUT_DIR DATASET_ID
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [nodeDir, base, outDir, datasetId] = process.argv.slice(2);
const require = createRequire(path.join(nodeDir, 'package.json'));
const { chromium } = require('playwright-core');
const { default: AxeBuilder } = require('@axe-core/playwright');

const browser = await chromium.launch({
  executablePath: process.env.DELE_CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const out = {};
const desktop = { width: 1280, height: 800 };
const mobile = { width: 390, height: 844 };
const tags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

async function axe(page) {
  const r = await new AxeBuilder({ page }).withTags(tags).analyze();
  return {
    violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 5) })),
    passes: r.passes.length,
    incomplete: r.incomplete.map((v) => v.id),
  };
}

const visibleIds = (page) => page.$$eval('#dataset-list > li', (lis) => lis.filter((li) => !li.hidden && li.offsetParent !== null).map((li) => li.dataset.id));

try {
  const ctx = await browser.newContext({ viewport: desktop, acceptDownloads: true, locale: 'nb-NO' });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const failed = [];
  page.on('response', (r) => { if (r.status() >= 400) failed.push(r.status() + ' ' + r.url()); });

  // Start page.
  const resp = await page.goto(base + '/', { waitUntil: 'load' });
  out.index = {
    status: resp.status(),
    lang: await page.getAttribute('html', 'lang'),
    title: await page.title(),
    ids: await visibleIds(page),
    titles: await page.$$eval('#dataset-list h3 a', (as) => as.map((a) => a.textContent.trim())),
    count: (await page.textContent('#count')).trim(),
    formVisible: await page.isVisible('#filter'),
  };
  out.index.axe = await axe(page);

  // Keyboard: the first Tab reaches the skip link, Enter moves to main.
  await page.keyboard.press('Tab');
  const skip = await page.evaluate(() => ({ text: document.activeElement.textContent.trim(), href: document.activeElement.getAttribute('href') }));
  await page.keyboard.press('Enter');
  const afterSkip = await page.evaluate(() => document.activeElement.id);
  const focusStyle = await page.evaluate(() => {
    const a = document.querySelector('#dataset-list a');
    a.focus();
    const s = getComputedStyle(a);
    return { outlineStyle: s.outlineStyle, outlineWidth: s.outlineWidth, outlineColor: s.outlineColor };
  });
  out.keyboard = { skip, afterSkip, focusStyle };

  // Search narrows the list; a theme filter too; reset restores it.
  await page.fill('#q', 'råolje');
  out.search = { query: 'råolje', ids: await visibleIds(page), count: (await page.textContent('#count')).trim() };
  await page.fill('#q', 'finnesikke');
  out.searchNone = { ids: await visibleIds(page), message: await page.isVisible('#nomatch') };
  await page.fill('#q', '');
  await page.selectOption('#f-theme', 'TRAN');
  out.themeFilter = { theme: 'TRAN', ids: await visibleIds(page) };
  await page.selectOption('#f-theme', '');
  await page.selectOption('#f-format', 'csv-nb');
  out.formatFilter = { format: 'csv-nb', ids: await visibleIds(page) };
  await page.click('button[type=reset]');
  await page.waitForTimeout(50);
  out.reset = { ids: await visibleIds(page) };
  await page.goto(base + '/index.html?q=befolkning');
  out.queryParam = { ids: await visibleIds(page) };

  // Screenshots of the start page.
  await page.goto(base + '/');
  await page.screenshot({ path: path.join(outDir, 'index-desktop.png'), fullPage: true });
  await page.screenshot({ path: path.join(outDir, 'index-desktop-viewport.png') });

  // A dataset page: follow the link from the start page.
  await page.click(`#dataset-list li[data-id="${datasetId}"] h3 a`);
  await page.waitForLoadState('load');
  out.dataset = {
    url: page.url(),
    h1: (await page.textContent('h1')).trim(),
    lang: await page.getAttribute('html', 'lang'),
    schemaCaption: (await page.textContent('#schema-cap')).trim(),
    schemaNames: await page.$$eval('#schema ~ * tbody th, section[aria-labelledby=schema] tbody th', (ths) => ths.map((t) => t.textContent.trim())),
    previewCaption: (await page.textContent('#preview-cap')).trim(),
    previewHeader: await page.$$eval('section[aria-labelledby=preview] thead th', (ths) => ths.map((t) => t.textContent.trim())),
    previewRows: await page.$$eval('section[aria-labelledby=preview] tbody tr', (trs) => trs.map((tr) => Array.from(tr.cells, (c) => c.textContent))),
    badges: await page.$$eval('ul.badges li', (lis) => lis.map((li) => li.textContent.trim())),
    chartLabel: await page.$eval('figure.chart svg', (s) => s.getAttribute('role') + ': ' + s.querySelector('title').textContent),
    downloads: await page.$$eval('section[aria-labelledby=downloads] tbody tr', (trs) => trs.map((tr) => ({ label: tr.cells[0].textContent.trim(), href: tr.querySelector('a').href, size: tr.cells[2].textContent.trim() }))),
    examples: await page.$$eval('pre.example code', (cs) => cs.map((c) => c.textContent)),
    copyButtons: await page.$$eval('pre.example + button', (bs) => bs.length),
    switchHref: await page.$eval('a[hreflang=en]', (a) => a.href),
  };
  out.dataset.axe = await axe(page);
  await page.screenshot({ path: path.join(outDir, 'dataset-desktop.png'), fullPage: true });
  await page.screenshot({ path: path.join(outDir, 'dataset-desktop-viewport.png') });

  // A download link returns the file.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.click('section[aria-labelledby=downloads] a[href$="data.csv"]'),
  ]);
  const saved = path.join(outDir, 'downloaded-' + download.suggestedFilename());
  await download.saveAs(saved);
  const body = fs.readFileSync(saved);
  out.download = { url: download.url(), suggested: download.suggestedFilename(), bytes: body.length, firstLine: body.toString('utf8').split('\n')[0] };
  const pq = await page.request.get(out.dataset.downloads.find((d) => d.href.endsWith('.parquet')).href);
  const pqBody = await pq.body();
  out.parquet = { status: pq.status(), contentType: pq.headers()['content-type'], bytes: pqBody.length, magic: pqBody.subarray(0, 4).toString('latin1') };

  // The English page, and the API page.
  await page.goto(out.dataset.switchHref);
  out.datasetEN = { lang: await page.getAttribute('html', 'lang'), h1: (await page.textContent('h1')).trim(), axe: await axe(page) };
  await page.goto(base + '/en/index.html');
  out.indexEN = { lang: await page.getAttribute('html', 'lang'), count: (await page.textContent('#count')).trim(), axe: await axe(page) };
  await page.goto(base + '/api.html');
  out.api = { h1: (await page.textContent('h1')).trim(), operations: await page.$$eval('section h3 code', (cs) => cs.length), axe: await axe(page) };

  // The curl example's URL answers with rows.
  const curl = out.dataset.examples.find((e) => e.startsWith('curl'));
  const apiURL = curl && curl.match(/'([^']+)'/)[1];
  if (apiURL) {
    const r = await page.request.get(apiURL);
    const text = await r.text();
    let rows = -1;
    try { const j = JSON.parse(text); rows = (j.rows || j.data || j.items || []).length; } catch { /* not JSON */ }
    out.apiExample = { url: apiURL, status: r.status(), rows, body: text.slice(0, 300) };
  }
  out.errors = errors;
  out.failedResponses = failed;

  // Mobile screenshots.
  const mctx = await browser.newContext({ viewport: mobile, deviceScaleFactor: 1, isMobile: true, hasTouch: true });
  const mpage = await mctx.newPage();
  await mpage.goto(base + '/');
  await mpage.screenshot({ path: path.join(outDir, 'index-mobile.png'), fullPage: true });
  out.mobile = { indexScrollWidth: await mpage.evaluate(() => document.documentElement.scrollWidth) };
  await mpage.goto(base + `/datasets/${datasetId}/index.html`);
  await mpage.screenshot({ path: path.join(outDir, 'dataset-mobile.png'), fullPage: true });
  out.mobile.datasetScrollWidth = await mpage.evaluate(() => document.documentElement.scrollWidth);
  out.mobile.axe = await axe(mpage);

  // Without JavaScript: the full list and every link are there.
  const nctx = await browser.newContext({ viewport: desktop, javaScriptEnabled: false });
  const npage = await nctx.newPage();
  await npage.goto(base + '/');
  const links = await npage.$$eval('a[href]', (as) => as.map((a) => a.href));
  out.noJS = {
    ids: await visibleIds(npage),
    formVisible: await npage.isVisible('#filter'),
    count: (await npage.textContent('#count')).trim(),
  };
  // Every same-origin link on the start page and the dataset page answers.
  await npage.goto(base + `/datasets/${datasetId}/index.html`);
  links.push(...await npage.$$eval('a[href]', (as) => as.map((a) => a.href)));
  const broken = [];
  const checked = new Set();
  for (const l of links) {
    const u = l.split('#')[0];
    if (!u.startsWith(base) || checked.has(u)) continue;
    checked.add(u);
    const r = await npage.request.get(u);
    if (r.status() !== 200) broken.push(r.status() + ' ' + u);
  }
  out.links = { checked: checked.size, broken };
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out, null, 2) + '\n');
