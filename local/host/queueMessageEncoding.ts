export type QueueMessageEncoding = 'base64' | 'none';

/** Encodes a message body for the wire with host.json's `messageEncoding`. */
export function encodeQueueMessage(body: string | Uint8Array, encoding: QueueMessageEncoding): string {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
    return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}

/**
 * Decodes a received message text, or returns undefined when `base64` is expected and the text is
 * not valid Base64 (Node's decoder would silently skip bad characters; the .NET one refuses).
 */
export function decodeQueueMessage(text: string, encoding: QueueMessageEncoding): string | undefined {
    if (encoding === 'none') {
        return text;
    }
    if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
        return undefined;
    }
    return Buffer.from(text, 'base64').toString('utf8');
}
