import { describe, expect, it } from 'vitest';
import { isHttpsOrLoopbackUrl } from '../../src/config/isHttpsOrLoopbackUrl';

describe('isHttpsOrLoopbackUrl', () => {
    it.each([
        'https://api.powerbi.com/v1.0/myorg',
        'https://abc.westeurope.kusto.fabric.microsoft.com',
        'http://127.0.0.1:7071',
        'http://localhost/',
        'http://LOCALHOST:8080/v1.0/myorg',
        'http://[::1]:9000',
    ])('takes %s', (url) => expect(isHttpsOrLoopbackUrl(url)).toBe(true));

    it.each([
        'http://api.powerbi.com/v1.0/myorg',
        'http://localhost.example.com/',
        'http://127.0.0.1.example.com/',
        'http://10.0.0.4:7071',
        'ftp://localhost/',
        'not a url',
    ])('refuses %s', (url) => expect(isHttpsOrLoopbackUrl(url)).toBe(false));
});
