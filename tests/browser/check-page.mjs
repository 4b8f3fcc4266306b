#!/usr/bin/env node
// tests/browser/check-page.mjs URL SCREENSHOT.png - open URL in Debian's
// Chromium (headless, through playwright-core), print one JSON object
// on stdout saying what the page did, and save a full-page screenshot.
//
//   {"status": HTTP status of the page,
//    "title": document.title,
//    "console_errors": [console messages of type error, with where],
//    "page_errors": [uncaught exceptions],
//    "requests": [every URL the page asked for besides itself; data:
//                 URIs are not requests and are left out],
//    "aborted": how many of them were aborted (all of them: nothing but
//               the page itself may go to the network),
//    "images": [{"src": first 40 characters, "naturalWidth",
//                "naturalHeight", "complete"}, ...every <img>],
//    "metrics": [{"model", "metric", "text", "value"}, ...every
//                td[data-metric] of a tr[data-model] in #metrics],
//    "viewport_overflow": whether the page scrolls sideways 375 px wide,
//    "phone_scroll_width": its width in CSS pixels at that viewport,
//    "elapsed_ms": from launch to the screenshot}
//
// The page is loaded at 1280x800 until its load event; the screenshot
// is taken there, then the viewport is narrowed to a phone's.
//
// Exit 0 when the page loaded and the report was printed (whatever the
// page's status: the caller judges it), 1 when the browser could not be
// started, the page not loaded or the screenshot not written (the reason
// on stderr), 2 on a usage error.
//
// Environment: HD_CHROMIUM [/usr/bin/chromium], the browser;
// HD_BROWSER_TIMEOUT [60] seconds for the whole check.

import { chromium } from 'playwright-core';
import { accessSync, constants, renameSync, rmSync } from 'node:fs';

const prog = 'check-page.mjs';
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 375, height: 667 };

// Chromium on a machine without outside network: no sandbox (run as
// root), no GPU, and none of its own connections (QUIC, component and
// safe-browsing updates, sync, first-run pages), which a closed network
// refuses many at a time.  playwright gives it a new empty profile.
const ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--no-default-browser-check',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
	'--disable-default-apps',
	'--disable-extensions',
	'--disable-domain-reliability',
	'--disable-client-side-phishing-detection',
	'--metrics-recording-only',
];

function die(code, msg) {
	process.stderr.write(`${prog}: ${msg}\n`);
	process.exit(code);
}

const argv = process.argv.slice(2);
if (argv.length !== 2 || argv[0].startsWith('-'))
	die(2, 'usage: check-page.mjs URL SCREENSHOT.png');
const [url, shot] = argv;
try {
	new URL(url);
} catch {
	die(2, `not a URL: ${url}`);
}
const exe = process.env.HD_CHROMIUM || '/usr/bin/chromium';
try {
	accessSync(exe, constants.X_OK);
} catch {
	die(1, `${exe}: no browser there (Debian's package chromium; or set HD_CHROMIUM)`);
}
const limit = Number(process.env.HD_BROWSER_TIMEOUT || 60);
if (!(limit > 0))
	die(2, `HD_BROWSER_TIMEOUT: not a number of seconds: ${process.env.HD_BROWSER_TIMEOUT}`);

// Whatever hangs, the check ends: a test must fail, not wait forever.
const timer = setTimeout(() => die(1, `${url}: no answer within ${limit} s`), limit * 1000);
timer.unref();

const started = Date.now();
const consoleErrors = [];
const pageErrors = [];
const requests = [];
let aborted = 0;
let browser;

// The page itself: its main-frame navigation (a redirect is one too).
function isPage(page, req) {
	try {
		return req.isNavigationRequest() && req.frame() === page.mainFrame();
	} catch {
		return false; // a worker's request has no frame
	}
}

async function check() {
	try {
		browser = await chromium.launch({
			executablePath: exe,
			args: ARGS,
			headless: true,
			timeout: limit * 1000,
		});
	} catch (e) {
		throw new Error(`cannot start ${exe}: ${e.message.split('\n')[0]}`);
	}
	const context = await browser.newContext({ viewport: DESKTOP });
	const page = await context.newPage();
	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const where = m.location();
		consoleErrors.push(where && where.url ? `${m.text()} (${where.url}:${where.lineNumber})` : m.text());
	});
	page.on('pageerror', (e) => pageErrors.push(e.message));
	page.on('request', (req) => {
		if (!req.url().startsWith('data:') && !isPage(page, req))
			requests.push(req.url());
	});
	// Only the page goes to the network: anything else it asks for is
	// aborted and counted (and listed in requests by the handler above).
	await context.route('**/*', (route) => {
		const req = route.request();
		if (isPage(page, req) || req.url().startsWith('data:'))
			return route.continue();
		aborted++;
		return route.abort('blockedbyclient');
	});

	let res;
	try {
		res = await page.goto(url, { waitUntil: 'load', timeout: limit * 1000 });
	} catch (e) {
		throw new Error(`cannot load ${url}: ${e.message.split('\n')[0]}`);
	}
	if (!res)
		throw new Error(`${url}: no response`);

	const title = await page.title();
	const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({
		src: (i.getAttribute('src') || '').slice(0, 40),
		naturalWidth: i.naturalWidth,
		naturalHeight: i.naturalHeight,
		complete: i.complete,
	})));
	const metrics = await page.$$eval('#metrics tr[data-model] td[data-metric]', (tds) => tds.map((td) => ({
		model: td.closest('tr').getAttribute('data-model'),
		metric: td.getAttribute('data-metric'),
		text: td.textContent.trim(),
		value: td.getAttribute('data-value'),
	})));

	// Written under another name and renamed: never half a file.
	const tmp = `${shot}.part`;
	try {
		await page.screenshot({ path: tmp, type: 'png', fullPage: true });
		renameSync(tmp, shot);
	} catch (e) {
		rmSync(tmp, { force: true });
		throw new Error(`cannot write the screenshot ${shot}: ${e.message.split('\n')[0]}`);
	}
	const elapsed = Date.now() - started;

	await page.setViewportSize(PHONE);
	const phone = await page.evaluate(() => {
		const d = document.documentElement;
		return { scroll: d.scrollWidth, client: d.clientWidth };
	});

	return {
		status: res.status(),
		title,
		console_errors: consoleErrors,
		page_errors: pageErrors,
		requests,
		aborted,
		images,
		metrics,
		viewport_overflow: phone.scroll > phone.client,
		phone_scroll_width: phone.scroll,
		elapsed_ms: elapsed,
	};
}

let code = 0;
try {
	const report = await check();
	process.stdout.write(JSON.stringify(report) + '\n');
} catch (e) {
	process.stderr.write(`${prog}: ${e.message}\n`);
	code = 1;
} finally {
	if (browser)
		await browser.close().catch(() => {});
}
process.exit(code);
