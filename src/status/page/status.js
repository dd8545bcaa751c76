/* global document, window, fetch, URLSearchParams */
// The status page's script: fetches status.json (passing on ?code=, the function key) and renders it.
'use strict';

const params = new URLSearchParams(window.location.search);
const jsonUrl = 'status.json' + (params.get('code') ? '?code=' + encodeURIComponent(params.get('code')) : '');
const refreshMs = 5000;
let report;

function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
        if (value === undefined || value === null || value === false) continue;
        if (name === 'style') Object.assign(node.style, value);
        else node.setAttribute(name, String(value));
    }
    for (const child of children.flat()) {
        if (child === undefined || child === null || child === false) continue;
        node.append(child instanceof window.Node ? child : String(child));
    }
    return node;
}

const number = (n) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));

function duration(seconds) {
    if (seconds === undefined) return '–';
    if (seconds < 60) return seconds.toFixed(seconds < 10 ? 1 : 0) + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + Math.round(seconds % 60) + ' s';
    return Math.floor(seconds / 3600) + ' h ' + Math.round((seconds % 3600) / 60) + ' min';
}

const time = (iso) =>
    iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '–';
const clock = (ms) =>
    new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

function gauge(label, used, limit, field, note) {
    const share = limit > 0 ? Math.min(1, used / limit) : 0;
    const level = share >= 0.9 ? 'bad' : share >= 0.7 ? 'warn' : '';
    return el(
        'div',
        { class: 'gauge', 'data-gauge': field },
        el('div', { class: 'head' }, el('span', {}, label), el('b', {}, number(used) + ' / ' + number(limit))),
        el(
            'div',
            { class: 'meter', role: 'meter', 'aria-valuenow': used, 'aria-valuemax': limit, 'aria-label': label },
            el('i', { class: level, style: { width: (share * 100).toFixed(1) + '%' } }),
        ),
        note ? el('div', { class: 'muted' }, note) : null,
    );
}

function tile(label, value, field) {
    return el(
        'div',
        { class: 'tile' },
        el('div', { class: 'value', 'data-field': field }, value),
        el('div', { class: 'label' }, label),
    );
}

function sparkline(perMinute) {
    const width = 180;
    const height = 34;
    const max = Math.max(1, ...perMinute.map((m) => Math.max(m.accepted, m.pushed)));
    const step = width / perMinute.length;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'spark');
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.setAttribute('aria-label', 'rows accepted (grey) and pushed (green) per minute, last hour');
    perMinute.forEach((m, i) => {
        for (const [value, colour, offset] of [
            [m.accepted, '#c7cdd6', 0],
            [m.pushed, '#12a150', step / 2],
        ]) {
            if (value === 0) continue;
            const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
            const h = Math.max(1, (value / max) * height);
            rect.setAttribute('x', (i * step + offset).toFixed(2));
            rect.setAttribute('y', (height - h).toFixed(2));
            rect.setAttribute('width', (step / 2).toFixed(2));
            rect.setAttribute('height', h.toFixed(2));
            rect.setAttribute('fill', colour);
            svg.append(rect);
        }
    });
    return svg;
}

/** Parts of Add Rows calls whose answer never came, last hour / since counting began, and what each verdict led to. */
function unknownOutcomes(table) {
    const outcomes = table.unknownOutcomes;
    const policy =
        outcomes.ambiguousOutcome === 'atMostOnce'
            ? 'not pushed again, may be lost'
            : 'pushed again, may be duplicated';
    const line = (label, verdict, field) => {
        const hour = outcomes.lastHour[verdict];
        const total = outcomes.total[verdict];
        return el(
            'div',
            { class: total.parts === 0 ? 'muted' : verdict === 'unconfirmed' ? 'attention' : undefined },
            label + ' ',
            el('b', { 'data-field': field + '-hour' }, number(hour.parts)),
            ' / ',
            el('span', { 'data-field': field + '-total' }, number(total.parts)),
            ' (',
            el('span', { 'data-field': field + '-rows' }, number(total.rows)),
            ' rows)',
        );
    };
    return [
        line('stored', 'stored', 'unknown-stored'),
        line('not stored', 'notStored', 'unknown-not-stored'),
        line('unconfirmed', 'unconfirmed', 'unknown-unconfirmed'),
        el(
            'div',
            { class: 'muted', 'data-field': 'unknown-policy' },
            (outcomes.markerColumn ? 'counted by ' + outcomes.markerColumn + '; ' : 'no marker column; ') +
                'unconfirmed: ' +
                outcomes.ambiguousOutcome +
                ', ' +
                policy,
        ),
    ];
}

function renderSummary(status) {
    document
        .getElementById('summary')
        .replaceChildren(
            tile(
                'messages in ' + status.queue.name + ' (approximate)',
                number(status.queue.approximateMessages),
                'queue-messages',
            ),
            tile('age of the oldest visible message', duration(status.queue.oldestVisibleSeconds), 'queue-oldest'),
            tile('messages in ' + status.poison.name, number(status.poison.approximateMessages), 'poison-messages'),
            ...(status.eventhouse
                ? [
                      tile(
                          'messages in ' + status.eventhouse.queue.name + ' (Eventhouse, approximate)',
                          number(status.eventhouse.queue.approximateMessages),
                          'eventhouse-queue-messages',
                      ),
                      tile(
                          'messages in ' + status.eventhouse.poison.name,
                          number(status.eventhouse.poison.approximateMessages),
                          'eventhouse-poison-messages',
                      ),
                  ]
                : []),
            tile('refresh targets', number(status.refreshTargets.length), 'refresh-targets'),
        );
}

/** The Eventhouse sink's cell of a table: rows ingested, its own backlog, poisoned rows and 429s. */
function eventhouseCell(eventhouse) {
    if (!eventhouse) return el('td', { class: 'muted' }, '–');
    return el(
        'td',
        { class: 'eventhouse', title: 'Kusto table ' + eventhouse.table + ', dedup view ' + eventhouse.view },
        el('div', {}, [
            'ingested ',
            el('span', { 'data-field': 'eventhouse-ingested-minute' }, number(eventhouse.ingested.lastMinute)),
            ' / ',
            el('span', { 'data-field': 'eventhouse-ingested-hour' }, number(eventhouse.ingested.lastHour)),
        ]),
        el('div', {}, [
            'backlog ',
            el('span', { 'data-field': 'eventhouse-backlog' }, number(eventhouse.backlogRows)),
            eventhouse.oldestQueuedSeconds !== undefined
                ? ' · oldest ' + duration(eventhouse.oldestQueuedSeconds)
                : null,
        ]),
        el(
            'div',
            { class: eventhouse.poisoned.lastHour > 0 ? 'error' : 'muted' },
            el('span', { 'data-field': 'eventhouse-poisoned-hour' }, number(eventhouse.poisoned.lastHour)),
            ' poisoned h · ',
            el('span', { 'data-field': 'eventhouse-throttled' }, number(eventhouse.throttledLastHour)),
            ' 429s h',
        ),
        lastErrorLine(eventhouse.lastError, 'eventhouse-last-error'),
    );
}

/** A sink's last failure, "Last error <time>: <status> <code> <message>", or nothing. */
function lastErrorLine(lastError, field) {
    if (!lastError) return null;
    const what = [lastError.status, lastError.code].filter(Boolean).join(' ');
    return el(
        'div',
        { class: 'error', 'data-field': field },
        'Last error ' + time(lastError.at) + ': ' + what + ' ' + lastError.message,
    );
}

function renderDataset(dataset) {
    const budget = dataset.budget;
    const withEventhouse = dataset.sinks.includes('eventhouse');
    const pastCliff = dataset.tables.some((t) => t.tableRows.pastCliff);
    const gauges = budget
        ? el(
              'div',
              { class: 'gauges' },
              gauge(
                  'Add Rows calls, last minute',
                  budget.callsLastMinute.used,
                  budget.callsLastMinute.limit,
                  'calls-minute',
              ),
              gauge('Rows, last hour', budget.rowsLastHour.used, budget.rowsLastHour.limit, 'rows-hour'),
              gauge('Calls pending', budget.pendingCalls.used, budget.pendingCalls.limit, 'pending'),
              pastCliff
                  ? gauge(
                        'Calls, last hour (past 250,000 rows)',
                        budget.callsLastHour.used,
                        budget.callsLastHour.limit,
                        'calls-hour',
                    )
                  : null,
          )
        : el('p', { class: 'empty' }, 'No Add Rows call yet: the push budget appears with the first push.');
    const rows = dataset.tables.map((table) =>
        el(
            'tr',
            { 'data-table': dataset.name + '/' + table.name },
            el('td', {}, el('b', {}, table.name), lastErrorLine(table.lastError, 'last-error')),
            el(
                'td',
                { class: 'num' },
                el('span', { 'data-field': 'accepted-minute' }, number(table.accepted.lastMinute)),
                ' / ',
                el('span', { 'data-field': 'accepted-hour' }, number(table.accepted.lastHour)),
            ),
            el(
                'td',
                { class: 'num' },
                el('span', { 'data-field': 'pushed-minute' }, number(table.pushed.lastMinute)),
                ' / ',
                el('span', { 'data-field': 'pushed-hour' }, number(table.pushed.lastHour)),
            ),
            el('td', { class: 'num', 'data-field': 'poisoned-hour' }, number(table.poisoned.lastHour)),
            el('td', { class: 'num', 'data-field': 'backlog' }, number(table.backlogRows)),
            el('td', { class: 'num', 'data-field': 'oldest' }, duration(table.oldestQueuedSeconds)),
            el('td', { class: 'num', 'data-field': 'throttled' }, number(table.throttledLastHour)),
            el('td', { class: 'unknown' }, unknownOutcomes(table)),
            el(
                'td',
                {},
                table.tableRows.fifo
                    ? el(
                          'div',
                          { class: 'muted', 'data-field': 'table-rows' },
                          number(table.tableRows.used) + ' rows (basicFIFO: never past the cliff)',
                      )
                    : gauge(
                          'Rows',
                          table.tableRows.used,
                          table.tableRows.limit,
                          'table-rows',
                          table.tableRows.pastCliff ? 'past the cliff: 120 calls an hour' : null,
                      ),
            ),
            el('td', {}, sparkline(table.perMinute)),
            withEventhouse ? eventhouseCell(table.eventhouse) : null,
        ),
    );
    return el(
        'article',
        { class: 'card', 'data-dataset': dataset.name },
        el('h3', {}, dataset.name),
        el(
            'div',
            { class: 'muted' },
            !dataset.sinks.includes('powerBi')
                ? 'Eventhouse only (no push dataset)'
                : dataset.datasetId
                  ? 'Power BI dataset ' + dataset.datasetId
                  : 'not pushed to yet',
            withEventhouse && dataset.sinks.includes('powerBi') ? ' · dual-write to the Eventhouse' : null,
            budget && budget.throttledUntil
                ? [
                      ' · ',
                      el(
                          'span',
                          { class: 'error', 'data-field': 'throttled-until' },
                          'throttled until ' + time(budget.throttledUntil),
                      ),
                  ]
                : null,
        ),
        gauges,
        el(
            'table',
            {},
            el(
                'thead',
                {},
                el(
                    'tr',
                    {},
                    el('th', {}, 'Table'),
                    el('th', { class: 'num' }, 'Accepted min / h'),
                    el('th', { class: 'num' }, 'Pushed min / h'),
                    el('th', { class: 'num' }, 'Poisoned h'),
                    el('th', { class: 'num' }, 'Backlog rows'),
                    el('th', { class: 'num' }, 'Oldest queued'),
                    el('th', { class: 'num' }, '429s h'),
                    el(
                        'th',
                        {
                            title: 'Parts of Add Rows calls whose answer never came, last hour / in total (rows in total)',
                        },
                        'No answer, parts h / total',
                    ),
                    el('th', {}, '250,000-row state'),
                    el('th', {}, 'Last hour'),
                    withEventhouse ? el('th', {}, 'Eventhouse min / h') : null,
                ),
            ),
            el('tbody', {}, rows),
        ),
    );
}

function renderPoison(poison, sectionId, replay) {
    const section = document.getElementById(sectionId);
    if (poison.entries.length === 0) {
        section.replaceChildren(el('p', { class: 'empty' }, 'Empty: no rows given up on.'));
        return;
    }
    section.replaceChildren(
        el(
            'table',
            {},
            el(
                'thead',
                {},
                el(
                    'tr',
                    {},
                    el('th', {}, 'Ingestion'),
                    el('th', {}, 'Dataset / table'),
                    el('th', { class: 'num' }, 'Rows'),
                    el('th', {}, 'Reason'),
                    el('th', {}, 'At'),
                ),
            ),
            el(
                'tbody',
                {},
                poison.entries.map((entry) =>
                    el(
                        'tr',
                        { 'data-poison': entry.ingestionId || '' },
                        el('td', {}, el('code', {}, entry.ingestionId || '–')),
                        el('td', {}, (entry.dataset || '–') + ' / ' + (entry.table || '–')),
                        el('td', { class: 'num' }, number(entry.rows)),
                        el(
                            'td',
                            { 'data-field': 'reason' },
                            [entry.reason.status, entry.reason.code].filter(Boolean).join(' '),
                            ' ',
                            entry.reason.message,
                        ),
                        el('td', {}, time(entry.reason.at || entry.insertedOn)),
                    ),
                ),
            ),
        ),
        poison.approximateMessages > poison.entries.length
            ? el(
                  'p',
                  { class: 'muted' },
                  'The first ' +
                      poison.entries.length +
                      ' of about ' +
                      number(poison.approximateMessages) +
                      ' messages. ' +
                      replay +
                      ' sends them back once the cause is fixed.',
              )
            : el('p', { class: 'muted' }, replay + ' sends them back once the cause is fixed.'),
    );
}

const startOf = (r) => Date.parse(r.startTime || r.requestedAt);
const endOf = (r, nowMs) =>
    r.endTime ? Date.parse(r.endTime) : r.status === 'Running' || r.status === 'Starting' ? nowMs : startOf(r);
const secondsOf = (r, nowMs) =>
    r.durationSeconds !== undefined ? r.durationSeconds : (endOf(r, nowMs) - startOf(r)) / 1000;

function renderTimeline(target, nowMs) {
    const refreshes = target.refreshes.slice().reverse();
    if (refreshes.length === 0) return el('p', { class: 'empty' }, 'No refresh yet.');
    const from = Math.min(...refreshes.map(startOf));
    const to = Math.max(nowMs, ...refreshes.map((r) => endOf(r, nowMs)));
    const span = Math.max(1000, to - from);
    const bars = refreshes.map((r) =>
        el('div', {
            class: 'bar ' + r.status,
            'data-status': r.status,
            'data-refresh': r.id,
            title:
                r.status +
                ' · ' +
                r.trigger +
                ' · ' +
                time(r.startTime || r.requestedAt) +
                ' · ' +
                duration(secondsOf(r, nowMs)),
            style: {
                left: (((startOf(r) - from) / span) * 100).toFixed(2) + '%',
                width: (((endOf(r, nowMs) - startOf(r)) / span) * 100).toFixed(2) + '%',
            },
        }),
    );
    return [
        el('div', { class: 'timeline', 'data-field': 'timeline' }, bars),
        el(
            'div',
            { class: 'axis' },
            el('span', {}, clock(from)),
            el('span', {}, clock(from + span / 2)),
            el('span', {}, clock(to)),
        ),
    ];
}

function renderTrend(target, nowMs) {
    const refreshes = target.refreshes
        .slice()
        .reverse()
        .filter((r) => r.status !== 'Blocked');
    if (refreshes.length === 0) return null;
    const max = Math.max(1, target.usualSeconds || 0, ...refreshes.map((r) => secondsOf(r, nowMs))) * 1.1;
    return el(
        'div',
        { class: 'trend', 'aria-label': 'duration of each refresh against the usual duration' },
        refreshes.map((r) =>
            el('i', {
                class: r.status,
                title: duration(secondsOf(r, nowMs)),
                style: { height: Math.max(2, (secondsOf(r, nowMs) / max) * 46) + 'px' },
            }),
        ),
        target.usualSeconds !== undefined
            ? el('span', {
                  class: 'usual',
                  title: 'usual ' + duration(target.usualSeconds),
                  style: { bottom: (target.usualSeconds / max) * 46 + 'px' },
              })
            : null,
    );
}

function renderTarget(target, nowMs) {
    const latest = target.refreshes[0];
    const failure = target.lastFailure;
    return el(
        'article',
        { class: 'card', 'data-target': target.name },
        el(
            'h3',
            {},
            target.name,
            ' ',
            latest
                ? el('span', { class: 'pill ' + latest.status, 'data-field': 'latest-status' }, latest.status)
                : null,
        ),
        el(
            'div',
            { class: 'facts' },
            el(
                'span',
                {},
                'Schedule ',
                el('code', {}, target.after ? 'after ' + target.after.join(', ') : target.schedule),
                ' (' + target.timeZone + ')',
            ),
            el(
                'span',
                {},
                'Next run ',
                el('b', { 'data-field': 'next-run' }, target.nextRun ? time(target.nextRun) : '–'),
            ),
            el('span', {}, 'Usual duration ', el('b', { 'data-field': 'usual' }, duration(target.usualSeconds))),
            latest
                ? el(
                      'span',
                      {},
                      'Latest ',
                      el('b', { 'data-field': 'latest-duration' }, duration(secondsOf(latest, nowMs))),
                  )
                : null,
        ),
        renderTimeline(target, nowMs),
        renderTrend(target, nowMs),
        failure
            ? el(
                  'div',
                  { class: 'failure', 'data-field': 'last-failure' },
                  el(
                      'b',
                      {},
                      'Last failure: ' + failure.status + (failure.endTime ? ' at ' + time(failure.endTime) : ''),
                  ),
                  failure.error
                      ? el(
                            'div',
                            {},
                            [failure.error.status, failure.error.code].filter(Boolean).join(' ') +
                                ' ' +
                                failure.error.message,
                        )
                      : null,
                  failure.messages.length > 0
                      ? el(
                            'ul',
                            {},
                            failure.messages.map((m) =>
                                el('li', {}, (m.code ? m.code + ': ' : '') + (m.message || '')),
                            ),
                        )
                      : null,
              )
            : null,
    );
}

function render() {
    if (!report) return;
    // The running refresh grows with the clock between fetches; the server's clock anchors it.
    const nowMs = Date.parse(report.status.generatedAt) + (Date.now() - report.fetchedAt);
    renderSummary(report.status);
    const datasets = report.status.datasets;
    document
        .getElementById('datasets')
        .replaceChildren(
            ...(datasets.length
                ? datasets.map(renderDataset)
                : [el('p', { class: 'empty' }, 'No datasets configured.')]),
        );
    renderPoison(report.status.poison, 'poison', 'npm run replay-poison');
    const eventhouse = report.status.eventhouse;
    for (const id of ['eventhouse-poison', 'eventhouse-poison-title']) document.getElementById(id).hidden = !eventhouse;
    if (eventhouse) renderPoison(eventhouse.poison, 'eventhouse-poison', 'npm run replay-poison -- --sink eventhouse');
    const targets = report.status.refreshTargets;
    document
        .getElementById('refreshes')
        .replaceChildren(
            ...(targets.length
                ? targets.map((t) => renderTarget(t, nowMs))
                : [el('p', { class: 'empty' }, 'No refresh targets configured.')]),
        );
    document.getElementById('updated').textContent =
        'Updated ' + time(report.status.generatedAt) + ' · every ' + refreshMs / 1000 + ' s';
}

async function load() {
    try {
        const response = await fetch(jsonUrl, { headers: { Accept: 'application/json' } });
        if (!response.ok) throw new Error('status.json answered ' + response.status);
        report = { status: await response.json(), fetchedAt: Date.now() };
        render();
        document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    } catch (error) {
        document.getElementById('updated').textContent = 'Could not load status.json: ' + error.message;
    }
}

document.getElementById('json-link').setAttribute('href', jsonUrl);
load();
window.setInterval(load, refreshMs);
// Between fetches, only a running refresh's bar changes: it grows with the clock.
window.setInterval(() => {
    if (
        report &&
        report.status.refreshTargets.some((t) =>
            t.refreshes.some((r) => r.status === 'Running' || r.status === 'Starting'),
        )
    )
        render();
}, 1000);
