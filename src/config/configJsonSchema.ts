import { z } from 'zod';
import { relayConfigSchema } from './relayConfig';

/** The JSON Schema editors use to complete pbi-relay.config.json, generated from the same zod schema the app validates with. */
export function configJsonSchema(): Record<string, unknown> {
    return {
        ...z.toJSONSchema(relayConfigSchema, { io: 'input', unrepresentable: 'any' }),
        title: 'pbi-relay configuration',
    };
}
