import { KustoError } from './KustoError';

/**
 * RFC 6750's challenge; the reason goes into error_description because a Kusto 401 has no JSON body (documented:
 * only failures "other than 401" carry one).
 */
const challenge = (description: string) => ({
    'WWW-Authenticate': `Bearer error="invalid_token", error_description="${description.replace(/["\\]/g, "'")}"`,
});

const maxBytesText = (bytes: number) => `${bytes} bytes (${(bytes / 1024 / 1024).toFixed(0)} MB)`;

/**
 * The catalogue of every error the Kusto emulator answers, one named factory each. Status codes and `@permanent`
 * follow the research notes (../shared/reference/fabric-path.md, "HTTP contract"); codes, `@type` and texts marked
 * "chosen" are the emulator's own where the service's exact answer is unconfirmed (kusto-emulator/README.md,
 * "Where the emulator differs from the service").
 */
export const kustoErrors = {
    // --- 401 / 403 -----------------------------------------------------------------------
    /** Chosen body; the status is the service's. */
    missingToken: () =>
        new KustoError(
            401,
            'Unauthorized',
            'Unauthorized',
            'Kusto.Common.Svc.Exceptions.UnauthorizedOperationException',
            'The request has no Authorization header with a Bearer token.',
            true,
            { 'WWW-Authenticate': 'Bearer' },
        ),
    invalidToken: (reason: string) =>
        new KustoError(
            401,
            'Unauthorized',
            'Unauthorized',
            'Kusto.Common.Svc.Exceptions.UnauthorizedOperationException',
            `The bearer token was refused: ${reason}.`,
            true,
            challenge(`The bearer token was refused: ${reason}.`),
        ),
    /** Chosen: an expired token is 401 (Power BI answers 403 TokenExpired; Kusto's text is unconfirmed). */
    tokenExpired: () =>
        new KustoError(
            401,
            'Unauthorized',
            'Unauthorized',
            'Kusto.Common.Svc.Exceptions.UnauthorizedOperationException',
            'The bearer token has expired.',
            true,
            challenge('The bearer token has expired.'),
        ),
    forbidden: (principal: string, action: string, database: string) =>
        new KustoError(
            403,
            'Forbidden',
            'Forbidden',
            'Kusto.Common.Svc.Exceptions.UnauthorizedDatabaseAccessException',
            `Principal '${principal}' is not authorized to ${action} in database '${database}'.`,
            true,
        ),

    // --- 400 -----------------------------------------------------------------------------
    badRequest: (detail: string) =>
        new KustoError(
            400,
            'BadRequest',
            'Request is invalid and cannot be processed.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            detail,
            true,
        ),
    /** Documented: mappingName is required for JSON, MultiJSON and Avro. Chosen code. */
    missingMappingName: (format: string) =>
        new KustoError(
            400,
            'BadRequest_MissingMappingReference',
            'Request is invalid and cannot be processed.',
            'Kusto.DataNode.Exceptions.IngestionMappingException',
            `The streamFormat '${format}' requires the mappingName query parameter (a mapping created on the table).`,
            true,
        ),
    mappingNotFound: (mapping: string, kind: string, database: string, table: string) =>
        new KustoError(
            400,
            'BadRequest_MappingReferenceWasNotFound',
            'Request is invalid and cannot be processed.',
            'Kusto.DataNode.Exceptions.MappingNotFoundException',
            `Mapping reference '${mapping}' of kind '${kind}' was not found on table '${table}' in database '${database}'.`,
            true,
        ),
    /** Documented code for data that does not match its format (and malformed multijson records). */
    invalidBlob: (detail: string) =>
        new KustoError(
            400,
            'BadRequest_InvalidBlob',
            'Request is invalid and cannot be processed.',
            'Kusto.DataNode.Exceptions.StreamingIngestionException',
            detail,
            true,
        ),
    /** Documented code for empty data. */
    noRecords: () =>
        new KustoError(
            400,
            'BadRequest_NoRecordsOrWrongFormat',
            'Request is invalid and cannot be processed.',
            'Kusto.DataNode.Exceptions.StreamingIngestionException',
            'The request body holds no records.',
            true,
        ),
    /** Chosen: the service ingests null for a value that does not fit its column; the emulator refuses it. */
    invalidData: (detail: string) =>
        new KustoError(
            400,
            'BadRequest_InvalidData',
            'Request is invalid and cannot be processed.',
            'Kusto.DataNode.Exceptions.StreamingIngestionException',
            detail,
            true,
        ),
    badGzip: (reason: string) =>
        new KustoError(
            400,
            'BadRequest_InvalidCompression',
            'Request is invalid and cannot be processed.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            `Content-Encoding is gzip but the body is not valid gzip: ${reason}.`,
            true,
        ),
    unsupportedEncoding: (encoding: string) =>
        new KustoError(
            400,
            'BadRequest_UnsupportedCompression',
            'Request is invalid and cannot be processed.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            `Content-Encoding '${encoding}' is not supported; send gzip or no Content-Encoding.`,
            true,
        ),
    /** Unknown database in a query or command. Chosen code (the Kusto SDKs name EntityNotFoundException). */
    databaseNotFound: (database: string) =>
        new KustoError(
            400,
            'BadRequest_EntityNotFound',
            'Request is invalid and cannot be executed.',
            'Kusto.Data.Exceptions.EntityNotFoundException',
            `Entity ID '${database}' of kind 'Database' was not found.`,
            true,
        ),
    tableNotFound: (table: string, database: string) =>
        new KustoError(
            400,
            'BadRequest_EntityNotFound',
            'Request is invalid and cannot be executed.',
            'Kusto.Data.Exceptions.EntityNotFoundException',
            `Entity ID '${table}' of kind 'Table' was not found in database '${database}'.`,
            true,
        ),
    entityAlreadyExists: (kind: string, name: string) =>
        new KustoError(
            400,
            'BadRequest_EntityAlreadyExists',
            'Request is invalid and cannot be executed.',
            'Kusto.Data.Exceptions.EntityAlreadyExistsException',
            `Entity '${name}' of kind '${kind}' already exists.`,
            true,
        ),
    /** Chosen text; the SYN0002 prefix is the one Kusto's parser reports for unexpected text. */
    syntaxError: (detail: string) =>
        new KustoError(
            400,
            'General_BadRequest',
            'Request is invalid and cannot be executed.',
            'Kusto.Data.Exceptions.SyntaxException',
            `Syntax error: SYN0002: ${detail}`,
            true,
        ),
    semanticError: (detail: string) =>
        new KustoError(
            400,
            'General_BadRequest',
            'Request is invalid and cannot be executed.',
            'Kusto.Data.Exceptions.SemanticException',
            `Semantic error: ${detail}`,
            true,
        ),
    unsupportedMediaType: (contentType: string) =>
        new KustoError(
            415,
            'UnsupportedMediaType',
            'Unsupported media type.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            `Content-Type '${contentType}' is not supported here; send application/json.`,
            true,
        ),

    // --- 404 / 405 / 413 -----------------------------------------------------------------
    /** Documented by the SDKs: a 404 from the ingest endpoint (unknown database or table, or streaming disabled). */
    ingestTargetNotFound: (kind: 'Database' | 'Table', name: string) =>
        new KustoError(
            404,
            'NotFound',
            'The requested entity was not found.',
            'Kusto.Data.Exceptions.EntityNotFoundException',
            `Entity ID '${name}' of kind '${kind}' was not found.`,
            true,
        ),
    streamingDisabled: (database: string, table: string) =>
        new KustoError(
            404,
            'BadRequest_StreamingIngestionPolicyNotEnabled',
            'Streaming ingestion is not enabled.',
            'Kusto.DataNode.Exceptions.StreamingIngestionPolicyNotEnabledException',
            `Streaming ingestion policy is not enabled for table '${table}' in database '${database}'.`,
            true,
        ),
    routeNotFound: (method: string, path: string) =>
        new KustoError(
            404,
            'NotFound',
            'The requested resource was not found.',
            'Kusto.Common.Svc.Exceptions.NotFoundException',
            `No Kusto endpoint ${method} ${path}.`,
            true,
        ),
    methodNotAllowed: (method: string, path: string) =>
        new KustoError(
            405,
            'MethodNotAllowed',
            'Method not allowed.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            `${method} is not allowed on ${path}.`,
            true,
        ),
    /** Documented limit: 4 MB of data per streaming request. Chosen code. */
    payloadTooLarge: (maxBytes: number, what: string) =>
        new KustoError(
            413,
            'PayloadTooLarge',
            'Request entity too large.',
            'Kusto.DataNode.Exceptions.StreamingIngestionRequestTooLargeException',
            `The ${what} exceeds the streaming ingestion limit of ${maxBytesText(maxBytes)}.`,
            true,
        ),

    // --- injected (transient unless the fault says 400) ------------------------------------
    /** The @type is the one the research notes name; Retry-After is unconfirmed, sent only when the fault sets it. */
    throttled: (retryAfterSeconds?: number) =>
        new KustoError(
            429,
            'TooManyRequests',
            'Request is denied due to throttling.',
            'Kusto.DataNode.Exceptions.ThrottlingException',
            'The request was throttled (injected by the emulator); retrying after a back-off may succeed.',
            false,
            retryAfterSeconds === undefined ? {} : { 'Retry-After': String(retryAfterSeconds) },
        ),
    serviceError: (status: 500 | 503 | 520) =>
        new KustoError(
            status,
            status === 503 ? 'ServiceUnavailable' : status === 520 ? 'ServiceError' : 'InternalServiceError',
            status === 503 ? 'Service is unavailable.' : 'Internal service error.',
            status === 503
                ? 'Kusto.Common.Svc.Exceptions.ServiceUnavailableException'
                : 'Kusto.Common.Svc.Exceptions.InternalServiceErrorException',
            'A transient failure (injected by the emulator); retrying may succeed.',
            false,
        ),
    injectedBadRequest: () =>
        new KustoError(
            400,
            'BadRequest',
            'Request is invalid and cannot be processed.',
            'Kusto.Common.Svc.Exceptions.BadRequestException',
            'A permanent failure (injected by the emulator).',
            true,
        ),
    internal: () =>
        new KustoError(
            500,
            'InternalServiceError',
            'Internal service error.',
            'Kusto.Common.Svc.Exceptions.InternalServiceErrorException',
            'The emulator failed unexpectedly (see its log).',
            false,
        ),

    // --- control API (/_emulator/*) --------------------------------------------------------
    controlBadRequest: (detail: string) =>
        new KustoError(400, 'ControlBadRequest', detail, 'KustoEmulator.Control', detail, true),
    controlNotFound: (detail: string) =>
        new KustoError(404, 'ControlNotFound', detail, 'KustoEmulator.Control', detail, true),
    controlConflict: (detail: string) =>
        new KustoError(409, 'ControlConflict', detail, 'KustoEmulator.Control', detail, true),
};
