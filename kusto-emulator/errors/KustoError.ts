/**
 * An error answer in Kusto's OneApiError envelope:
 * `{"error":{"code","message","@type","@message","@context":{...},"@permanent"}}` (field names as the Kusto SDKs read them:
 * azure-kusto-java `OneApiError.parseFromWebException`, azure-kusto-rust `ErrorMessage`).
 */
export class KustoError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        /** The exception type the service names in `@type`. */
        readonly type: string,
        /** The detailed text in `@message`. */
        readonly detail: string,
        readonly permanent: boolean,
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = 'KustoError';
    }

    toBody(context: { activityId: string; clientRequestId: string; timestamp: string }): KustoErrorBody {
        return {
            error: {
                code: this.code,
                message: this.message,
                '@type': this.type,
                '@message': this.detail,
                '@context': {
                    timestamp: context.timestamp,
                    serviceAlias: 'KUSTO-EMULATOR',
                    machineName: 'KEngine000000',
                    processName: 'Kusto.Emulator',
                    processId: process.pid,
                    threadId: 1,
                    clientRequestId: context.clientRequestId,
                    activityId: context.activityId,
                    subActivityId: context.activityId,
                    activityType: 'KE.Emulator',
                    parentActivityId: context.activityId,
                    activityStack: `(Activity stack: CRID=${context.clientRequestId} ARID=${context.activityId})`,
                },
                '@permanent': this.permanent,
            },
        };
    }
}

export interface KustoErrorBody {
    error: {
        code: string;
        message: string;
        '@type': string;
        '@message': string;
        '@context': Record<string, string | number>;
        '@permanent': boolean;
    };
}
