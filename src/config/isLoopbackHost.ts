const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** A loopback address (127.0.0.1, localhost or [::1], as URL.hostname gives it), where a local emulator listens. */
export const isLoopbackHost = (hostname: string): boolean => loopbackHosts.has(hostname.toLowerCase());
