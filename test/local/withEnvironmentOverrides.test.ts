import { describe, expect, it } from 'vitest';
import { withEnvironmentOverrides } from '../../local/localSettingsFile';

describe('withEnvironmentOverrides', () => {
    it('lets an environment variable win over the local settings value of the same name, and names it', () => {
        const result = withEnvironmentOverrides(
            { ROWS_QUEUE: 'pbi-rows', PUSH_MAX_ATTEMPTS: '10', REFRESH_NOTIFY_URL: 'https://example.test/hook' },
            { PUSH_MAX_ATTEMPTS: '3', REFRESH_NOTIFY_URL: '', UNRELATED: 'x' },
        );
        expect(result.values).toEqual({ ROWS_QUEUE: 'pbi-rows', PUSH_MAX_ATTEMPTS: '3', REFRESH_NOTIFY_URL: '' });
        expect(result.overridden).toEqual(['PUSH_MAX_ATTEMPTS', 'REFRESH_NOTIFY_URL']);
    });
});
