import puppeteer, { type Browser } from 'puppeteer-core';

/**
 * Headless Chromium for the browser tests: the binary inside the @sparticuz/chromium npm package (Linux x64 and
 * arm64, nothing downloaded at install time), or the Chrome or Chromium that PBI_RELAY_CHROME names (any system,
 * e.g. /usr/bin/chromium or the Chrome app's binary on macOS).
 */
export async function launchChromium(): Promise<Browser> {
    const system = process.env.PBI_RELAY_CHROME?.trim();
    // An ES module only: imported when used, and not at all with a system Chrome.
    const chromium = system ? undefined : (await import('@sparticuz/chromium')).default;
    return puppeteer.launch({
        executablePath: chromium ? await chromium.executablePath() : system!,
        args: chromium ? chromium.args : ['--no-sandbox', '--disable-dev-shm-usage'],
        headless: true,
        defaultViewport: { width: 1280, height: 900 },
    });
}
