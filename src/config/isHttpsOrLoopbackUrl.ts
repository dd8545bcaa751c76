import { isLoopbackHost } from './isLoopbackHost';

/** An https URL, or an http one on a loopback address. */
export function isHttpsOrLoopbackUrl(url: string): boolean {
    if (!URL.canParse(url)) return false;
    const { protocol, hostname } = new URL(url);
    return protocol === 'https:' || (protocol === 'http:' && isLoopbackHost(hostname));
}
