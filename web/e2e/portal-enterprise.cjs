// A signed-in enterprise on a phone (390×844): rates its inspection one star and, coming back,
// is shown it cannot rate it twice; files a complaint about it with a photo sent by tus, the
// connection cut once in the middle and the upload resumed from the server's offset; finds the
// complaint in its list; answers its callback; adds a colleague. Every page fits 390 px.
// Usage: node portal-enterprise.cjs BASE SHOTS USERNAME PASSWORD PHOTO; prints the report.
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, username, password, photo] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  const width = (page) => page.evaluate(() => String(document.documentElement.scrollWidth));
  try {
    const { page } = await open(browser, base, report, 'phone');
    await signIn(page, base, username, password);
    report.seen.homeWidth = await width(page);
    await shot(page, dir, 'portal-home');
    const go = async (label, heading) => {
      await page.getByRole('button', { name: '菜单' }).click();
      await page.getByRole('menuitem', { name: label }).waitFor();
      await shot(page, dir, 'portal-menu');
      await page.getByRole('menuitem', { name: label }).click();
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
    };

    // The rating: one star, once.
    await go('检查与评价', '检查与评价');
    const form = page.locator('form.rate').first();
    await form.waitFor({ timeout: 15000 });
    report.seen.inspectionsWidth = await width(page);
    await axe(page, 'portal-inspections', report);
    await shot(page, dir, 'portal-inspections');
    await form.locator('.el-rate__item').first().click();
    await form.getByLabel('评价内容（选填）').fill('检查人员态度生硬，未出示证件');
    await form.getByRole('button', { name: '提交评价' }).click();
    const done = page.locator('.rated.ok').first();
    await done.waitFor({ timeout: 15000 });
    report.seen.rated = (await done.innerText()).trim();
    await shot(page, dir, 'portal-rated');
    await page.reload();
    await page.getByRole('heading', { name: '检查与评价', level: 1 }).waitFor({ timeout: 15000 });
    await page.locator('.rated').first().waitFor({ timeout: 15000 });
    report.seen.formsAfter = String(await page.locator('form.rate').count());
    report.seen.once = (await page.locator('.rated').first().innerText()).trim();

    // A complaint with a photo: the second PATCH of the upload is cut off; tus asks the offset
    // (HEAD) and continues from there.
    let patches = 0;
    let aborted = 0;
    const offsets = [];
    await page.route('**/v1/uploads/**', async (route) => {
      const req = route.request();
      if (req.method() === 'PATCH') {
        patches++;
        offsets.push(req.headers()['upload-offset']);
        if (patches === 2) {
          aborted++;
          report.seen.cutAt = req.headers()['upload-offset'];
          return route.abort('connectionreset');
        }
      }
      if (req.method() === 'HEAD') report.seen.heads = String(Number(report.seen.heads || 0) + 1);
      return route.continue();
    });
    // The earlier complaint, with the supervisors' reply.
    await go('我的投诉', '我的投诉');
    await page.locator('a.item').first().waitFor({ timeout: 15000 });
    report.seen.reply = (await page.locator('a.item .reply').first().innerText()).trim();
    await page.getByRole('link', { name: '我要投诉' }).click();
    await page.getByRole('heading', { name: '我要投诉' }).waitFor();
    await page.locator('.el-form-item', { hasText: '被投诉的检查' }).locator('.el-select__wrapper').click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item').first().click();
    await page.locator('.el-form-item', { hasText: '投诉类别' }).locator('.el-select__wrapper').click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: '重复检查' }).click();
    await page.getByLabel('投诉内容').fill('同一事项一个月内被检查三次，影响正常经营');
    await page.getByLabel('添加照片').setInputFiles(photo);
    await page.locator('.list li').first().waitFor();
    report.seen.newWidth = await width(page);
    await axe(page, 'portal-complaint-new', report);
    await shot(page, dir, 'portal-complaint-new');
    await page.getByRole('button', { name: '提交投诉' }).click();
    // While tus waits to resume (a second), the person reads that it resumes: taken at once.
    await page.getByText('网络中断，正在续传…').waitFor({ timeout: 15000 }).then(() => (report.seen.resumingShown = 'yes')).catch(() => {});
    await page.screenshot({ path: require('path').join(dir, 'portal-complaint-resuming.png'), fullPage: true });
    await page.getByRole('heading', { name: '投诉详情' }).waitFor({ timeout: 30000 });
    report.seen.aborted = String(aborted);
    // The one request this journey cut itself is the browser's console error it expects.
    const cut = report.errors.findIndex((e) => /ERR_CONNECTION_RESET/.test(e));
    if (aborted === 1 && cut >= 0) report.seen.cutLogged = report.errors.splice(cut, 1)[0];
    report.seen.patches = String(patches);
    report.seen.offsets = offsets.join(',');
    // The PATCH after the cut starts where the server's offset was, not at 0.
    report.seen.resumedAt = offsets[2] || '';
    const file = page.locator('.files li').first();
    await file.waitFor({ timeout: 15000 });
    report.seen.photo = (await file.locator('.el-tag').innerText()).trim();
    report.seen.detailWidth = await width(page);
    await axe(page, 'portal-complaint', report);
    await shot(page, dir, 'portal-complaint');
    await page.getByRole('link', { name: '‹ 我的投诉' }).click();
    await page.locator('a.item').first().waitFor({ timeout: 15000 });
    await page.locator('a.item', { hasText: '重复检查' }).waitFor({ timeout: 15000 });
    report.seen.listed = (await page.locator('a.item').first().innerText()).trim();
    report.seen.complaintsWidth = await width(page);
    await axe(page, 'portal-complaints', report);
    await shot(page, dir, 'portal-complaints');

    // The callback: not satisfied, with the reason.
    await go('回访', '回访');
    const ans = page.locator('form.ans').first();
    await ans.waitFor({ timeout: 15000 });
    await axe(page, 'portal-callbacks', report);
    await shot(page, dir, 'portal-callbacks');
    await ans.getByText('不满意', { exact: true }).click();
    await ans.getByLabel('意见（不满意时必填）').fill('不予立案的理由没有当面说明');
    await ans.getByRole('button', { name: '提交答复' }).click();
    await page.locator('.answered').first().waitFor({ timeout: 15000 });
    report.seen.callback = (await page.locator('.cb').first().innerText()).trim();
    report.seen.callbacksWidth = await width(page);
    await shot(page, dir, 'portal-callback-answered');

    // A colleague's account.
    await go('企业账号', '企业账号');
    await page.getByRole('heading', { name: '添加同事账号' }).waitFor({ timeout: 15000 });
    await page.getByLabel('用户名').fill('li');
    await page.getByLabel('姓名').fill('李会计');
    await page.getByRole('button', { name: '添加', exact: true }).click();
    await page.locator('.otp .code').waitFor({ timeout: 15000 });
    report.seen.otp = (await page.locator('.otp .code').innerText()).trim();
    report.seen.usersWidth = await width(page);
    await axe(page, 'portal-users', report);
    await shot(page, dir, 'portal-users');
    await page.getByRole('button', { name: '停用 李会计' }).click();
    await page.getByRole('button', { name: '确定停用' }).click();
    await page.getByRole('button', { name: '停用 李会计' }).waitFor({ state: 'detached', timeout: 15000 });
    report.seen.usersAfter = String(await page.locator('.users li').count());

    await go('本企业案件', '本企业案件');
    await page.locator('.case, .none').first().waitFor({ timeout: 15000 });
    report.seen.casesWidth = await width(page);
    await axe(page, 'portal-cases', report);
    await shot(page, dir, 'portal-cases-list');

    // The same enterprise on a desktop (1366×768): the portal reads as a column beside the menu.
    const desk = await open(browser, base, report, 'desktop');
    await signIn(desk.page, base, username, password);
    await desk.page.getByRole('menuitem', { name: '我的投诉' }).click();
    await desk.page.locator('a.item').first().waitFor({ timeout: 15000 });
    report.seen.desktopScroll = await width(desk.page);
    await axe(desk.page, 'portal-desktop-complaints', report);
    await shot(desk.page, dir, 'portal-desktop-complaints');
  } catch (err) {
    report.errors.push('journey: ' + String((err && err.message) || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
