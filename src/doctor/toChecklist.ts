import type { DoctorReport } from './DoctorCheck';

const indent = (text: string, prefix: string) =>
    text
        .split('\n')
        .map((line) => `${prefix}${line}`)
        .join('\n');

/** The human-readable checklist: ✔/✖ per check, its detail, and the fix under each failure. */
export function toChecklist(report: DoctorReport): string {
    const lines: string[] = [];
    for (const check of report.checks) {
        lines.push(`${check.ok ? '✔' : '✖'} ${check.name}`);
        lines.push(indent(check.detail, '    '));
        if (check.fix) {
            const [first = '', ...rest] = check.fix.split('\n');
            lines.push(`    fix: ${first}`);
            if (rest.length > 0) lines.push(indent(rest.join('\n'), '         '));
        }
    }
    for (const reason of report.skipped) lines.push(`- not checked: ${reason}`);
    const failed = report.checks.filter((check) => !check.ok).length;
    lines.push('');
    lines.push(
        failed === 0
            ? `All ${report.checks.length} checks passed.`
            : `${failed} of ${report.checks.length} checks failed; fix them in order, then run \`npm run doctor\` again.`,
    );
    return lines.join('\n');
}
