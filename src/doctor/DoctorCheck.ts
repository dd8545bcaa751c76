/** One line of the doctor's checklist: what was checked, whether it passed, what was seen, and what to do. */
export interface DoctorCheck {
    name: string;
    ok: boolean;
    detail: string;
    /** What to change, when the check failed; may span several lines. */
    fix?: string;
}

export interface DoctorReport {
    ok: boolean;
    checks: DoctorCheck[];
    /** Checks not run because a check they depend on failed, each with the reason. */
    skipped: string[];
}
