export interface PowerBiErrorDetail {
    message: string;
    target?: string;
    code?: string;
}

/** An error answer in Power BI's envelope: {"error":{"code","message","details"?}}. */
export class PowerBiError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
        readonly details?: PowerBiErrorDetail[],
        readonly headers: Record<string, string> = {},
    ) {
        super(message);
        this.name = 'PowerBiError';
    }

    toBody(): { error: { code: string; message: string; details?: PowerBiErrorDetail[] } } {
        return {
            error: {
                code: this.code,
                message: this.message,
                ...(this.details && this.details.length > 0 ? { details: this.details } : {}),
            },
        };
    }
}
