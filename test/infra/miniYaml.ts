/**
 * Just enough YAML to check azure.yaml without a YAML dependency: nested block mappings, plain or quoted
 * scalars, `|` block scalars and comments. Anything else (sequences, flow collections, anchors, tabs)
 * throws, so azure.yaml stays within what this reads and what azd reads the same way.
 */
export type YamlValue = string | YamlMap;
export interface YamlMap {
    [key: string]: YamlValue;
}

interface Line {
    number: number;
    indent: number;
    text: string;
}

export class YamlSubsetError extends Error {
    override name = 'YamlSubsetError';
}

export function parseYamlSubset(source: string): YamlMap {
    const raw = source.split(/\r?\n/);
    const lines: Line[] = [];
    raw.forEach((text, index) => {
        if (/^\s*\t/.test(text)) throw new YamlSubsetError(`line ${index + 1}: tab indentation`);
        lines.push({ number: index + 1, indent: text.length - text.trimStart().length, text });
    });
    let position = 0;

    const isBlank = (line: Line): boolean => line.text.trim() === '' || line.text.trimStart().startsWith('#');
    const skipBlank = (): void => {
        while (position < lines.length && isBlank(lines[position]!)) position++;
    };

    const scalar = (text: string, line: number): string => {
        const value = text.replace(/\s+#.*$/, '').trim();
        if (/^'.*'$/.test(value)) return value.slice(1, -1).replace(/''/g, "'");
        if (/^".*"$/.test(value)) return JSON.parse(value) as string;
        if (/^[[{&*!>-]/.test(value) || value.startsWith('- '))
            throw new YamlSubsetError(`line ${line}: unsupported YAML "${value}"`);
        return value;
    };

    const blockScalar = (parentIndent: number): string => {
        const body: string[] = [];
        let indent = -1;
        while (position < lines.length) {
            const line = lines[position]!;
            if (line.text.trim() !== '') {
                if (line.indent <= parentIndent) break;
                if (indent < 0) indent = line.indent;
                if (line.indent < indent) throw new YamlSubsetError(`line ${line.number}: block scalar indentation`);
            }
            body.push(line.text.slice(Math.max(indent, 0)));
            position++;
        }
        while (body.length > 0 && body[body.length - 1]!.trim() === '') body.pop();
        return body.join('\n') + '\n';
    };

    const mapping = (indent: number): YamlMap => {
        const result: YamlMap = {};
        for (;;) {
            skipBlank();
            if (position >= lines.length) return result;
            const line = lines[position]!;
            if (line.indent < indent) return result;
            if (line.indent > indent) throw new YamlSubsetError(`line ${line.number}: unexpected indentation`);
            const match = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.text.trim());
            if (!match)
                throw new YamlSubsetError(`line ${line.number}: expected "key: value", got "${line.text.trim()}"`);
            const key = match[1]!;
            if (key in result) throw new YamlSubsetError(`line ${line.number}: duplicate key ${key}`);
            const rest = match[2]?.replace(/^#.*$/, '').trim() ?? '';
            position++;
            if (rest === '|' || rest === '|-') {
                result[key] = blockScalar(indent);
            } else if (rest !== '') {
                result[key] = scalar(rest, line.number);
            } else {
                skipBlank();
                const next = lines[position];
                if (!next || next.indent <= indent)
                    throw new YamlSubsetError(`line ${line.number}: ${key} has no value`);
                result[key] = mapping(next.indent);
            }
        }
    };

    const parsed = mapping(0);
    skipBlank();
    if (position < lines.length) throw new YamlSubsetError(`line ${lines[position]!.number}: unexpected content`);
    return parsed;
}

export function get(map: YamlMap, dottedPath: string): YamlValue | undefined {
    let current: YamlValue | undefined = map;
    for (const key of dottedPath.split('.')) {
        if (current === undefined || typeof current === 'string') return undefined;
        current = current[key];
    }
    return current;
}
