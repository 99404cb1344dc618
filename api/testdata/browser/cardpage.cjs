// Opens a supervision card's page in Debian's chromium at a phone's viewport, with JavaScript
// off (the page must work without it), rates one star with the integrity tag and a comment
// carrying markup, and keeps a screenshot of the form and of the confirmation.
// Usage: node cardpage.cjs <page url> <screenshot dir>
// Prints JSON: the headings seen, the requests to other hosts, the comment as shown.
const path = require('path');
const { openPhone } = require('./phone.cjs');

(async () => {
  const [url, dir] = process.argv.slice(2);
  const { browser, page, external } = await openPhone(url);
  const heading = await page.textContent('h1');
  const officers = await page.textContent('.officers');
  await page.check('input[name=rating][value="1"]');
  await page.check('input[name=tags][value="廉洁"]');
  await page.fill('#comment', '<b>态度粗暴</b>，索要好处');
  await page.fill('#phone', '13912345678');
  await page.screenshot({ path: path.join(dir, 'card-form.png'), fullPage: true });
  await Promise.all([page.waitForLoadState('load'), page.click('button[type=submit]')]);
  await page.waitForSelector('text=感谢您的评价');
  const thanks = await page.textContent('h1');
  await page.screenshot({ path: path.join(dir, 'card-thanks.png'), fullPage: true });
  console.log(JSON.stringify({ heading, officers, thanks, external }));
  await browser.close();
})().catch((e) => { console.error(e); process.exit(1); });
