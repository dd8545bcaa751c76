import { afterAll, beforeAll } from 'vitest';
import { startAzurite, type RunningAzurite } from '../../local/startAzurite';

/**
 * Azurite for the tests of one file: started (in memory, on free ports) before them and always stopped after them.
 * `current` is read inside a test or hook, once it has started.
 */
export function useAzurite(): { readonly current: RunningAzurite } {
    let azurite: RunningAzurite | undefined;
    beforeAll(async () => {
        azurite = await startAzurite();
    });
    afterAll(async () => {
        await azurite?.stop();
    });
    return {
        get current() {
            if (!azurite) throw new Error('Azurite is not started yet: read it inside a test or hook');
            return azurite;
        },
    };
}
