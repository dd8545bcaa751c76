import { describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/relayConfig';
import { answerWebhookHandshake } from '../../src/ingest/sources/answerWebhookHandshake';

const config = parseRelayConfig(
    {
        datasets: [{ name: 'D', tables: [{ name: 'T', columns: [{ name: 'C', dataType: 'String' }] }] }],
        sources: [
            { name: 'events', dataset: 'D', table: 'T', accept: ['cloudevents'], rows: '{ "C": id }' },
            { name: 'anyone', dataset: 'D', table: 'T', accept: ['cloudevents'], allowedOrigins: ['*'], rows: '$' },
            { name: 'hooks', dataset: 'D', table: 'T', rows: '$' },
        ],
    },
    'test',
);

describe('the CloudEvents webhook OPTIONS handshake', () => {
    it.each([
        ['events', 'eventgrid.azure.net', { kind: 'allowed', origin: 'eventgrid.azure.net' }],
        ['events', 'EventGrid.Azure.Net', { kind: 'allowed', origin: 'EventGrid.Azure.Net' }],
        ['anyone', 'sender.example', { kind: 'allowed', origin: 'sender.example' }],
        ['events', 'sender.example', { kind: 'refused', status: 403, code: 'OriginNotAllowed' }],
        ['events', null, { kind: 'refused', status: 400, code: 'MissingRequestOrigin' }],
        ['events', '  ', { kind: 'refused', status: 400, code: 'MissingRequestOrigin' }],
        ['hooks', 'eventgrid.azure.net', { kind: 'refused', status: 403, code: 'CloudEventsNotAccepted' }],
        ['nope', 'eventgrid.azure.net', { kind: 'refused', status: 404, code: 'SourceNotFound' }],
    ] as const)('source %s, origin %j: %j', (source, origin, expected) => {
        expect(answerWebhookHandshake(config, source, origin)).toMatchObject(expected);
    });
});
