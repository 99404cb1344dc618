// What every console journey shares: Debian's chromium (started again if it dies while
// starting), a desktop at 1366×768 or a phone at 390×844, Chinese locale; a record of every
// request that leaves the server's origin and of every CSP violation; axe-core's verdict on a
// page; screenshots in the directory the test names.
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function launch() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await chromium.launch({
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-crash-reporter', '--disable-breakpad'],
      });
    } catch (err) {
      if (attempt >= 4) throw err;
      console.error(`chromium did not start (attempt ${attempt}): ${String(err.message).split('\n')[0]}`);
      await new Promise((r) => setTimeout(r, 1000 * attempt));
    }
  }
}

// open makes a browser context for one person; report collects what the journey found.
async function open(browser, base, report, kind = 'desktop') {
  const origin = new URL(base).origin;
  const context = await browser.newContext(kind === 'phone'
    ? { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }
    : { viewport: { width: 1366, height: 768 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.on('request', (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) report.external.push(u);
  });
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to/.test(t)) report.csp.push(t);
    // A 4xx the page answers (a refused form, a session ended) is the page's to show, not an error.
    else if (m.type() === 'error' && !/status of 4\d\d/.test(t)) report.errors.push(t);
  });
  page.on('pageerror', (e) => report.errors.push(String(e)));
  return { context, page };
}

// axe runs axe-core on the page (outside its CSP: evaluate is the driver's) and records the
// serious and critical violations.
// settled waits until the page's fade-ins and transitions have ended: a page is judged, and
// shown, as a person sees it.
async function settled(page) {
  await page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'), null, { timeout: 5000 }).catch(() => {});
}

async function axe(page, name, report) {
  await settled(page);
  await page.evaluate(axeSource + ';0');
  const res = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' ').slice(0, 200)) }));
  });
  for (const v of res) report.axe.push({ page: name, ...v });
}

async function shot(page, dir, name) {
  await settled(page);
  await page.screenshot({ path: path.join(dir, name + '.png'), fullPage: true });
}

// pickDay types a day into a date picker inside a dialog and closes its calendar with a click
// on the dialog's title, as a person's next click would; it returns once no calendar is shown, so
// a page judged next is the page a person sees (an open calendar is a nameless popup).
async function pickDay(scope, label, day) {
  const input = scope.getByLabel(label);
  await input.click();
  await input.fill(day);
  await input.press('Enter');
  await scope.locator('.el-dialog__title').click();
  await scope.page().waitForFunction(() => [...document.querySelectorAll('.el-picker__popper')].every((p) => getComputedStyle(p).display === 'none'), null, { timeout: 5000 });
}

// chinaDayPlus is the China calendar day n days after today, as 2026-12-02.
function chinaDayPlus(n) {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
  const d = new Date(today + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

// signIn signs in through the sign-in page and waits for the workbench.
async function signIn(page, base, username, password) {
  await page.goto(base + '/console/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByRole('heading', { name: '工作台' }).waitFor({ timeout: 15000 });
}

function newReport() {
  return { external: [], csp: [], errors: [], axe: [], seen: {} };
}

module.exports = { launch, open, axe, shot, newReport, signIn, pickDay, chinaDayPlus };
