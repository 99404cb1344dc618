// The supervisor's dashboard is live and complaints are worked from it: while the dashboard is
// open, an enterprise rates an inspection one star and files a complaint (sent by this script
// through the API, as the enterprise's phone would); both counts rise without a reload. The
// supervisor rejects a pending registration (a reason is asked for at the field first), opens
// the new complaint, accepts it, is asked for a reply to resolve it, and resolves it.
// The enterprise attaches a photo to its complaint; the supervisor sees it on the complaint's page.
// Usage: node supervision-dashboard.cjs BASE SHOTS SUPERVISOR PASSWORD ENTERPRISE_TOKEN INSPECTION_ID PHOTO_BASE64 AGENCY_ADMIN_TOKEN CALLBACK_ID
const crypto = require('crypto');
const { launch, open, axe, shot, newReport, signIn } = require('./lib.cjs');

(async () => {
  const [base, dir, user, password, entToken, inspection, photo64, adminToken, callbackId] = process.argv.slice(2);
  const report = newReport();
  const browser = await launch();
  const tag = (page, g) => page.locator(`[data-group="${g}"] .el-tag`).first();
  try {
    const { page } = await open(browser, base, report);
    await signIn(page, base, user, password);
    report.seen.menuFirst = (await page.locator('.el-menu-item').nth(1).textContent()).trim();
    const t0 = Date.now();
    await page.locator('.el-menu-item', { hasText: '监督看板' }).click();
    await page.getByRole('heading', { name: '监督看板' }).waitFor({ timeout: 15000 });
    await tag(page, 'ratings').waitFor({ timeout: 15000 });
    // Measured, not asserted: from the menu click to the counts shown, and the gzip JS and CSS
    // loaded so far (sign-in page, workbench, dashboard).
    report.seen.dashboardMs = String(Date.now() - t0);
    report.seen.loadedKB = await page.evaluate(() => {
      const sum = (ext) => performance.getEntriesByType('resource').filter((e) => e.name.endsWith(ext)).reduce((n, e) => n + e.encodedBodySize, 0);
      return `js ${Math.round(sum('.js') / 1024)} css ${Math.round(sum('.css') / 1024)}`;
    });
    report.seen.ratingsBefore = (await tag(page, 'ratings').textContent()).trim();
    report.seen.complaintsBefore = (await tag(page, 'complaints').textContent()).trim();
    report.seen.registrationsBefore = (await tag(page, 'registrations').textContent()).trim();
    await axe(page, 'supervision-dashboard', report);
    await shot(page, dir, 'supervisor-dashboard');

    let navigations = 0;
    page.on('framenavigated', () => navigations++);
    const post = (path, body) => fetch(base + path, {
      method: 'POST', headers: { Authorization: 'Bearer ' + entToken, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
    });
    report.seen.rating = String((await post('/v1/enterprise/inspections/' + inspection + '/rating', { rating: 1, comment: '检查时态度生硬' })).status);
    const filed = await post('/v1/complaints', { inspection_id: inspection, category: '重复检查', description: '同一事项一个月内被检查三次' });
    report.seen.complaint = String(filed.status);
    const complaintId = (await filed.json()).id;
    const bytes = Buffer.from(photo64, 'base64');
    const ev = await post('/v1/complaints/' + complaintId + '/evidence', {
      kind: 'photo', sha256: crypto.createHash('sha256').update(bytes).digest('hex'), size: bytes.length,
      content_type: 'image/png', file_name: '现场.png', captured_at: new Date().toISOString(),
    });
    const evId = (await ev.json()).evidence.id;
    const put = await fetch(base + '/v1/evidence/' + evId + '/content', {
      method: 'PUT', headers: { Authorization: 'Bearer ' + entToken, 'Content-Type': 'application/octet-stream' }, body: bytes,
    });
    report.seen.photoUpload = String(ev.status) + '/' + String(put.status);
    const changed = (g, before) => page.waitForFunction(([g, b]) => {
      const t = document.querySelector(`[data-group="${g}"] .el-tag`);
      return t && t.textContent.trim() !== b;
    }, [g, before], { timeout: 20000 });
    await changed('ratings', report.seen.ratingsBefore);
    await changed('complaints', report.seen.complaintsBefore);
    report.seen.ratingsAfter = (await tag(page, 'ratings').textContent()).trim();
    report.seen.complaintsAfter = (await tag(page, 'complaints').textContent()).trim();
    report.seen.reloads = String(navigations);
    page.removeAllListeners('framenavigated');
    await page.locator('.live li').first().waitFor({ timeout: 10000 });
    report.seen.alert = (await page.locator('.live li').first().textContent()).trim();
    await shot(page, dir, 'supervisor-dashboard-live');

    // A registration: rejecting needs a reason.
    const reg = page.locator('[data-group="registrations"] li').first();
    report.seen.registration = (await reg.locator('strong').textContent()).trim();
    await reg.getByRole('button', { name: '驳回' }).click();
    const dlg = page.getByRole('dialog', { name: '驳回企业注册' });
    await dlg.getByRole('button', { name: '确认驳回' }).click();
    report.seen.reasonError = (await dlg.locator('.el-form-item__error').first().textContent()).trim();
    await dlg.getByLabel('驳回理由').fill('营业执照与登记信息不符');
    await dlg.getByRole('button', { name: '确认驳回' }).click();
    await dlg.waitFor({ state: 'hidden' });
    await page.waitForFunction(() => document.querySelector('[data-group="registrations"] .el-tag').textContent.trim() === '0', null, { timeout: 10000 });
    report.seen.registrationsAfter = (await tag(page, 'registrations').textContent()).trim();

    // The new complaint, from the dashboard: accept, then resolve with a reply.
    await page.locator('[data-group="complaints"] li a').first().click();
    await page.getByRole('heading', { name: '投诉详情' }).waitFor({ timeout: 15000 });
    await page.getByRole('heading', { name: '办理', exact: true }).waitFor();
    report.seen.status0 = (await page.locator('.head .el-tag').first().textContent()).trim();
    await page.waitForFunction(() => { const i = document.querySelector('img.photo'); return i && i.complete && i.naturalWidth > 0; }, null, { timeout: 10000 });
    report.seen.photo = await page.locator('img.photo').first().getAttribute('alt');
    await axe(page, 'supervision-complaint', report);
    await shot(page, dir, 'supervisor-complaint');
    await page.getByRole('button', { name: '确认受理' }).click();
    await page.getByText('已受理', { exact: true }).first().waitFor({ timeout: 10000 });
    report.seen.status1 = (await page.locator('.head .el-tag').first().textContent()).trim();
    await page.locator('label', { hasText: '办结答复' }).click();
    await page.getByRole('button', { name: '确认办结答复' }).click();
    report.seen.replyError = (await page.locator('.side .el-form-item__error').first().textContent()).trim();
    await page.getByLabel('答复意见').fill('经核查，该局已调整检查计划，合并同类检查。');
    await page.getByRole('button', { name: '确认办结答复' }).click();
    await page.getByText('无需再办理').waitFor({ timeout: 10000 });
    report.seen.status2 = (await page.locator('.head .el-tag').first().textContent()).trim();
    report.seen.events = String(await page.locator('.el-timeline-item').count());
    await shot(page, dir, 'supervisor-complaint-resolved');

    // A supervision order on the complaint: too short a text is refused at its field; issued,
    // it opens on its own page, and the supervisor closes it.
    await page.getByRole('button', { name: '督办', exact: true }).click();
    const od = page.getByRole('dialog', { name: '下发督办' });
    await od.getByLabel('督办事项').fill('请说明');
    await od.getByRole('button', { name: '下发' }).click();
    const oerr = od.locator('.el-form-item__error').first();
    await oerr.waitFor({ timeout: 10000 });
    report.seen.orderError = (await oerr.textContent()).trim();
    await od.getByLabel('督办事项').fill('请说明重复检查的原因，并报送整改措施。');
    await od.getByRole('button', { name: '下发' }).click();
    await page.getByRole('heading', { name: '督办详情' }).waitFor({ timeout: 15000 });
    report.seen.order0 = (await page.locator('.head .el-tag').first().textContent()).trim();
    await axe(page, 'supervision-order', report);
    // The agency's admin answers (through the API, as its own console would); the supervisor
    // reads it, is asked for a reason to send it back, and closes it instead.
    const orderId = page.url().split('/').pop();
    const ans = await fetch(base + '/v1/supervision/orders/' + orderId + '/transitions', {
      method: 'POST', headers: { Authorization: 'Bearer ' + adminToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ action: 'answer', text: '已合并同类检查，本月不再重复检查。' }),
    });
    report.seen.answer = String(ans.status);
    await page.reload();
    await page.getByRole('button', { name: '退回重办' }).click();
    const rerr = page.locator('.el-form-item__error').first();
    await rerr.waitFor({ timeout: 10000 });
    report.seen.returnError = (await rerr.textContent()).trim();
    await page.getByRole('button', { name: '办结' }).click();
    await page.getByText('本督办已办结').waitFor({ timeout: 10000 });
    report.seen.order1 = (await page.locator('.head .el-tag').first().textContent()).trim();
    await shot(page, dir, 'supervisor-order');

    // The list, the callbacks and the orders open and read well.
    for (const [label, name] of [['监督预警', 'warnings'], ['投诉处理', 'complaints'], ['案件回访', 'callbacks'], ['督办', 'orders']]) {
      await page.locator('.el-menu-item').filter({ hasText: new RegExp('^' + label + '$') }).first().click();
      await page.getByRole('heading', { name: label === '督办' ? '督办' : label, exact: true }).waitFor({ timeout: 15000 });
      await page.locator('.el-table').waitFor();
      if (name === 'orders') report.seen.orderRows = String(await page.locator('.el-table__row').count());
      await axe(page, 'supervision-' + name, report);
      await shot(page, dir, 'supervisor-' + name);
    }

    // A callback: the supervisor calls the party and records the answer (asked to choose first).
    await page.goto(base + '/console/callbacks/' + callbackId);
    await page.getByRole('heading', { name: '回访详情' }).waitFor({ timeout: 15000 });
    report.seen.callbackPhone = (await page.locator('.el-descriptions__cell', { hasText: /^1\d{10}$/ }).first().textContent().catch(() => '')).trim();
    await page.getByRole('button', { name: '记录电话回访' }).click();
    const cerr = page.locator('.el-form-item__error').first();
    await cerr.waitFor({ timeout: 10000 });
    report.seen.callbackError = (await cerr.textContent()).trim();
    await page.getByText('不满意', { exact: true }).click();
    await page.getByLabel('当事人意见').fill('认为检查时间过长');
    await axe(page, 'supervision-callback', report);
    await page.getByRole('button', { name: '记录电话回访' }).click();
    await page.getByText('电话回访', { exact: true }).waitFor({ timeout: 10000 });
    report.seen.callbackAnswer = (await page.locator('.el-tag', { hasText: '满意' }).last().textContent()).trim();
    await shot(page, dir, 'supervisor-callback');
  } catch (err) {
    report.errors.push('journey: ' + String(err && err.message || err));
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(report));
})();
