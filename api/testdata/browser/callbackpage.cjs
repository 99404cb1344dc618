// Opens a case callback's page (/r/{token}) in Debian's chromium at a phone's viewport, with
// JavaScript off, answers 不满意 with notes carrying markup, and keeps a screenshot of the form
// and of the confirmation.
// Usage: node callbackpage.cjs <page url> <screenshot dir>
// Prints JSON: the headings seen and the requests to other hosts.
const path = require('path');
const { openPhone } = require('./phone.cjs');

(async () => {
  const [url, dir] = process.argv.slice(2);
  const { browser, page, external } = await openPhone(url);
  const heading = await page.textContent('h1');
  const who = await page.textContent('.who');
  await page.check('input[name=satisfied][value="false"]');
  await page.fill('#notes', '<i>处罚过重</i>，希望复核');
  await page.screenshot({ path: path.join(dir, 'callback-form.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('text=感谢您的回访意见');
  const thanks = await page.textContent('h1');
  await page.screenshot({ path: path.join(dir, 'callback-thanks.png'), fullPage: true });
  console.log(JSON.stringify({ heading, who, thanks, external }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
