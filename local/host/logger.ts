/** Log levels as the Functions worker names them (`RpcLogLevel`). */
export type HostLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical' | 'none';

/** `user`: context.log and friends; `system`: the @azure/functions library; `host`: this local host. */
export type HostLogCategory = 'user' | 'system' | 'host';

export interface HostLogEntry {
    level: HostLogLevel;
    category: HostLogCategory;
    message: string;
    functionName?: string;
    invocationId?: string;
    error?: unknown;
}

export type HostLogger = (entry: HostLogEntry) => void;

const levelRank: Record<HostLogLevel, number> = {
    trace: 0,
    debug: 1,
    information: 2,
    warning: 3,
    error: 4,
    critical: 5,
    none: 6,
};

export function isLevelEnabled(level: HostLogLevel, minLevel: HostLogLevel): boolean {
    return level !== 'none' && levelRank[level] >= levelRank[minLevel];
}

/**
 * A logger that writes one line per entry to stdout/stderr, like `func start` does:
 * `[time] [level] function (invocation): message`.
 */
export function consoleLogger(minLevel: HostLogLevel = 'information'): HostLogger {
    return (entry) => {
        if (!isLevelEnabled(entry.level, minLevel)) {
            return;
        }
        const where = entry.functionName
            ? ` ${entry.functionName}${entry.invocationId ? ` (${entry.invocationId})` : ''}:`
            : '';
        let line = `[${new Date().toISOString()}] [${entry.level}]${where} ${entry.message}`;
        if (entry.error !== undefined) {
            line += `\n${entry.error instanceof Error ? (entry.error.stack ?? entry.error.message) : String(entry.error)}`;
        }
        if (levelRank[entry.level] >= levelRank.warning) {
            process.stderr.write(line + '\n');
        } else {
            process.stdout.write(line + '\n');
        }
    };
}
