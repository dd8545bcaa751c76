import { PowerBiError, type PowerBiErrorDetail } from './PowerBiError';

/**
 * The catalogue of every error the emulator answers, one named factory each.
 * Codes and messages marked "documented" or "observed" come from ../shared/reference/powerbi-facts.md;
 * the rest are the emulator's best guess where the service's exact answer is unconfirmed
 * (listed in emulator/README.md under "Where the emulator differs").
 */
export const powerBiErrors = {
    // --- 400 ---------------------------------------------------------------------------
    /** Observed on PostDataset with an unknown property (sql-bi/Pbi-PushDataset#1). */
    badRequest: (details: PowerBiErrorDetail[]) => new PowerBiError(400, 'BadRequest', 'Bad Request', details),

    unknownProperty: (property: string, typeName: string, target: string) =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [
            {
                message: `The property '${property}' does not exist on type 'Microsoft.PowerBI.ServiceContracts.Api.${typeName}'. Make sure to only use property names that are defined by the type.`,
                target,
            },
        ]),

    invalidJson: (target: string, reason: string) =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [{ message: `Invalid JSON: ${reason}`, target }]),

    /** Unconfirmed code; rows that do not fit the table schema. */
    invalidRows: (details: PowerBiErrorDetail[]) =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', details.slice(0, 20)),

    /** Observed body for a second refresh while one runs ([ER] says 400 Bad Request). */
    refreshAlreadyExecuting: () =>
        new PowerBiError(
            400,
            'InvalidRequest',
            'Invalid dataset refresh request. Another refresh request is already executing',
        ),

    invalidRefreshRequest: (reason: string) =>
        new PowerBiError(400, 'InvalidRequest', `Invalid dataset refresh request. ${reason}`),

    /** Observed for service principals (public code citing a community thread). */
    invalidNotifyOptionForApp: (value: string) =>
        new PowerBiError(400, 'InvalidRequest', `Invalid NotifyOption value '${value}' for app only owner requests`),

    enhancedRefreshNeedsPremium: () =>
        new PowerBiError(
            400,
            'InvalidRequest',
            'Invalid dataset refresh request. Enhanced refresh is only supported on Premium, Premium Per User or Embedded capacity',
        ),

    /** UNCONFIRMED: users report a 400 for the ninth refresh of a day on shared capacity; code and text are ours. */
    sharedRefreshQuotaExceeded: (limit: number) =>
        new PowerBiError(
            400,
            'InvalidRequest',
            `Invalid dataset refresh request. The model has reached its limit of ${limit} refreshes per day on shared capacity`,
        ),

    refreshOnPushDataset: (datasetId: string) =>
        new PowerBiError(400, 'InvalidRequest', `Dataset ${datasetId} is a Push API dataset and cannot be refreshed.`),

    refreshNotCancellable: (refreshId: string) =>
        new PowerBiError(400, 'InvalidRequest', `Refresh ${refreshId} is not in progress and cannot be cancelled.`),

    tableRowCapReached: (tableName: string, cap: number) =>
        new PowerBiError(
            400,
            'InvalidRequest',
            `Table '${tableName}' would exceed the maximum of ${cap} rows for a table without a retention policy.`,
        ),

    invalidTop: () =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [
            { message: "The value of '$top' must be an integer greater than or equal to 1.", target: '$top' },
        ]),

    invalidRetentionPolicy: (value: string) =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [
            {
                message: `The value '${value}' is not valid for defaultRetentionPolicy. Use None or basicFIFO.`,
                target: 'defaultRetentionPolicy',
            },
        ]),

    /** Observed code (public deployment scripts) when POST .../users names a principal already in the workspace. */
    groupUserAlreadyExists: (identifier: string) =>
        new PowerBiError(
            400,
            'AddingAlreadyExistsGroupUserNotSupportedError',
            `Principal ${identifier} already has access to the workspace; use Update Group User (PUT) to change its role.`,
        ),

    /** Observed code for an access right the operation does not support (DevScope/powerbi-powershell-modules#40). */
    unsupportedAccessRight: (accessRight: string) =>
        new PowerBiError(
            400,
            'UnsupportedAccessRightError',
            `The access right '${accessRight}' is not supported by this operation.`,
        ),

    /** Unconfirmed: the service keeps at least one Admin in a workspace. */
    lastWorkspaceAdmin: () => new PowerBiError(400, 'InvalidRequest', 'A workspace must keep at least one Admin.'),

    unsupportedQueryOption: (option: string) =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [
            { message: `The query option '${option}' is not supported by the emulator.`, target: option },
        ]),

    invalidPaging: (option: '$top' | '$skip') =>
        new PowerBiError(400, 'BadRequest', 'Bad Request', [
            { message: `The value of '${option}' must be a non-negative integer.`, target: option },
        ]),

    // --- 401 / 403 -----------------------------------------------------------------------
    missingToken: () =>
        new PowerBiError(
            401,
            'PowerBINotAuthorizedException',
            'Authorization header with a Bearer token is required',
            undefined,
            {
                'WWW-Authenticate':
                    'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
            },
        ),

    invalidToken: (reason: string) =>
        new PowerBiError(401, 'PowerBINotAuthorizedException', `The access token is not valid: ${reason}`, undefined, {
            'WWW-Authenticate': 'Bearer error="invalid_token"',
        }),

    /** Documented in the Power BI REST troubleshooting page. */
    tokenExpired: () =>
        new PowerBiError(403, 'TokenExpired', 'Access token has expired, resubmit with a new access token'),

    notWorkspaceMember: () =>
        new PowerBiError(401, 'PowerBINotAuthorizedException', 'The principal is not a member of the workspace'),

    insufficientRole: (role: string) =>
        new PowerBiError(
            403,
            'PowerBINotAuthorizedException',
            `The principal's workspace role '${role}' does not allow this operation`,
        ),

    /** Service principals (and managed identities) have no My workspace. */
    myWorkspaceNotForApps: () =>
        new PowerBiError(403, 'PowerBINotAuthorizedException', 'API is not accessible for application'),

    // --- 404 -----------------------------------------------------------------------------
    workspaceNotFound: (workspaceId: string) =>
        new PowerBiError(404, 'PowerBIEntityNotFound', `Workspace ${workspaceId} is not found`),

    datasetNotFound: (datasetId: string) =>
        new PowerBiError(
            404,
            'PowerBIEntityNotFound',
            `Dataset ${datasetId} is not found! please verify datasetId is correct and user have sufficient permissions.`,
        ),

    /** Observed: push operation on a non-push dataset (microsoft/PowerBI-CSharp#105). */
    notPushDataset: (datasetId: string) =>
        new PowerBiError(404, 'ItemNotFound', `Dataset ${datasetId} is not Push API dataset.`),

    tableNotFound: (tableName: string, datasetId: string) =>
        new PowerBiError(404, 'ItemNotFound', `Table ${tableName} does not exist in dataset ${datasetId}.`),

    /** Unconfirmed: Update or Delete Group User for a principal without access to the workspace. */
    groupUserNotFound: (identifier: string, workspaceId: string) =>
        new PowerBiError(404, 'PowerBIEntityNotFound', `User ${identifier} is not found in workspace ${workspaceId}`),

    refreshNotFound: (refreshId: string) =>
        new PowerBiError(404, 'PowerBIEntityNotFound', `Refresh ${refreshId} is not found`),

    routeNotFound: (method: string, path: string) =>
        new PowerBiError(404, 'NotFound', `No HTTP resource was found that matches ${method} ${path}`),

    methodNotAllowed: (method: string) =>
        new PowerBiError(405, 'MethodNotAllowed', `The requested resource does not support http method '${method}'.`),

    // --- 413 / 415 -----------------------------------------------------------------------
    /** Observed as RequestEntityTooLarge for oversized PostRows batches (sql-bi/Pbi-PushDataset#9). */
    requestTooLarge: (reason: string) => new PowerBiError(413, 'RequestEntityTooLarge', reason),

    unsupportedMediaType: (contentType: string) =>
        new PowerBiError(
            415,
            'UnsupportedMediaType',
            `The request entity's media type '${contentType}' is not supported for this resource.`,
        ),

    /** The service's answer to formatString, isHidden, etc. on a PushStreaming dataset (issue 12, observed). */
    unsupportedColumnProperties: () =>
        new PowerBiError(
            400,
            'InvalidRequest',
            'This dataset or endpoint does not support column properties other than name and dataType.',
        ),

    /**
     * A DAX query the emulator cannot evaluate. The service answers DAX errors with 400 and code
     * DatasetExecuteQueriesError (its exact message for each case is unconfirmed).
     */
    daxQueryFailed: (message: string) => new PowerBiError(400, 'DatasetExecuteQueriesError', message),
    /** Documented: one query per call. The service's answer to more is unconfirmed. */
    daxQueryCount: (count: number) =>
        new PowerBiError(
            400,
            'DatasetExecuteQueriesError',
            `Execute Queries takes exactly one query per request; got ${count}.`,
        ),

    // --- 429 -----------------------------------------------------------------------------
    /** Message seen with push APIs (community thread 3989426). */
    tooManyRequests: (retryAfterSeconds: number) =>
        new PowerBiError(
            429,
            'TooManyRequests',
            'You have exceeded the amount of requests allowed in the current time frame and further requests will fail.',
            undefined,
            { 'Retry-After': String(retryAfterSeconds) },
        ),

    /** Older message for the hourly row cap (granturing/spark-power-bi#1). */
    tooManyRows: (retryAfterSeconds: number) =>
        new PowerBiError(
            429,
            'TooManyRequests',
            'Maximum number of rows exceeded in time window. Please retry later',
            undefined,
            { 'Retry-After': String(retryAfterSeconds) },
        ),

    tooManyPendingRequests: (retryAfterSeconds: number) =>
        new PowerBiError(
            429,
            'TooManyRequests',
            'Too many pending POST rows requests for this dataset. Please retry later',
            undefined,
            { 'Retry-After': String(retryAfterSeconds) },
        ),

    /** Documented budget of Execute Queries (120 a minute per user); the message is the emulator's. */
    tooManyQueries: (retryAfterSeconds: number) =>
        new PowerBiError(
            429,
            'TooManyRequests',
            'You have exceeded the number of Execute Queries requests allowed per minute. Please retry later',
            undefined,
            { 'Retry-After': String(retryAfterSeconds) },
        ),

    // --- injected faults -------------------------------------------------------------------
    injectedThrottle: (retryAfterSeconds: number) => powerBiErrors.tooManyRequests(retryAfterSeconds),
    injectedServerError: () => new PowerBiError(500, 'InternalServerError', 'An error has occurred'),
    injectedUnavailable: (retryAfterSeconds?: number) =>
        new PowerBiError(
            503,
            'ServiceUnavailable',
            'The service is temporarily unavailable. Please retry later',
            undefined,
            retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
        ),

    internal: () => new PowerBiError(500, 'InternalServerError', 'An error has occurred'),

    // --- control API ---------------------------------------------------------------------
    controlBadRequest: (message: string, details?: PowerBiErrorDetail[]) =>
        new PowerBiError(400, 'BadRequest', message, details),
    controlNotFound: (message: string) => new PowerBiError(404, 'NotFound', message),
    controlConflict: (message: string) => new PowerBiError(409, 'Conflict', message),
};
