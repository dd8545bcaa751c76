/**
 * Resolves `%NAME%` placeholders from app settings, as the host does for binding properties such as
 * queueName and schedule (https://learn.microsoft.com/azure/azure-functions/functions-bindings-expressions-patterns#binding-expressions---app-settings).
 */
export function resolveAppSettingPlaceholders(
    value: string,
    settings: Readonly<Record<string, string | undefined>>,
    where: string,
): string {
    return value.replace(/%([^%]+)%/g, (_placeholder, name: string) => {
        const setting = settings[name];
        if (setting === undefined || setting === '') {
            throw new Error(`${where} refers to app setting "${name}", which is not set.`);
        }
        return setting;
    });
}
