/** An https URL, or an http one on a loopback address (127.0.0.1, localhost or [::1]), where a local emulator listens. */
export const isHttpsOrLoopbackUrl = (url: string): boolean =>
    url.startsWith('https://') || /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/i.test(url);
