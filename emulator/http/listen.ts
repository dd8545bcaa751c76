import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Starts `server` on `host:port` (0 picks a free port) and resolves with its base URL and port once it accepts requests. */
export async function listen(server: Server, port: number, host: string): Promise<{ url: string; port: number }> {
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
            server.off('error', reject);
            resolve();
        });
    });
    const address = server.address() as AddressInfo;
    const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return { url: `http://${urlHost}:${address.port}`, port: address.port };
}
