// llmtail /debug: renders the JSON of /debug/traces, /debug/conversations, /debug/decisions and
// /debug/keep-rates as tables and pictures. No framework and no network but this server; every
// value from a trace is put in the page as text (textContent), never as HTML.
(function () {
  'use strict';

  var token = document.getElementById('token');
  var tokenRow = document.getElementById('token-row');
  token.value = sessionStorage.getItem('llmtail-token') || '';
  if (token.value) { tokenRow.hidden = false; }

  // ---- small DOM helpers --------------------------------------------------------------------

  /** el('td', {className: 'num'}, 'text', childNode, ...): an element with properties and children. */
  function el(tag, props) {
    var node = document.createElement(tag);
    if (props) {
      Object.keys(props).forEach(function (k) {
        if (k === 'attrs') {
          Object.keys(props.attrs).forEach(function (a) { node.setAttribute(a, props.attrs[a]); });
        } else {
          node[k] = props[k];
        }
      });
    }
    for (var i = 2; i < arguments.length; i++) { append(node, arguments[i]); }
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) { return; }
    if (Array.isArray(child)) { child.forEach(function (c) { append(node, c); }); return; }
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }

  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  function row(cells, props) { return el('tr', props, cells); }

  function headerRow(names) {
    return el('thead', null, row(names.map(function (n) {
      var numeric = n.charAt(0) === '#';
      return el('th', { scope: 'col', className: numeric ? 'num' : '' }, numeric ? n.substring(1) : n);
    })));
  }

  // ---- formatting -----------------------------------------------------------------------------

  function utcTime(iso) { return iso ? iso.substring(11, 19) + ' UTC' : ''; }
  function utcDateTime(iso) { return iso ? utcTime(iso) + ' (' + iso.substring(0, 10) + ')' : ''; }
  function ms(n) {
    if (n === null || n === undefined) { return ''; }
    return n >= 1000 ? (n / 1000).toFixed(n >= 10000 ? 1 : 2) + ' s' : (n >= 10 ? n.toFixed(0) : n.toFixed(1)) + ' ms';
  }
  function cost(c) { return c === null || c === undefined ? '' : '$' + Number(c).toFixed(4); }
  function percent(r) { return (r * 100).toFixed(r > 0 && r < 0.1 ? 1 : 0) + '%'; }
  function plural(n, one, many) { return n + ' ' + (n === 1 ? one : many); }

  /** The policies that decided: the droppers of a dropped trace, else the keepers of a kept one. */
  function decidingPolicies(d) {
    var policies = d.policies || [];
    var drops = policies.filter(function (p) { return p.vote === 'drop'; });
    if (d.outcome === 'dropped') { return drops; }
    return policies.filter(function (p) { return p.vote === 'keep'; });
  }

  function decidingText(d) {
    var names = decidingPolicies(d).map(function (p) { return p.name; });
    if (names.length) { return (d.outcome === 'kept' ? 'kept by ' : 'dropped by ') + names.join(', '); }
    return d.reason;
  }

  // ---- fetching -------------------------------------------------------------------------------

  function api(path, method) {
    var headers = {};
    if (token.value) {
      headers.Authorization = 'Bearer ' + token.value;
      sessionStorage.setItem('llmtail-token', token.value);
    }
    // Data-changing requests carry a header no form of another site can send (CSRF guard).
    if (method === 'POST') { headers['X-Llmtail-Request'] = 'debug-page'; }
    return fetch(path, { method: method || 'GET', headers: headers }).then(function (r) {
      return r.json().then(function (body) {
        if (r.status === 401) {
          tokenRow.hidden = false;
          throw new Error('This llmtail requires a bearer token for /debug. Enter it above and press Enter again.');
        }
        if (r.status !== 200) { throw new Error(body.error || ('HTTP ' + r.status)); }
        return body;
      });
    });
  }

  function problem(target, error) {
    clear(target);
    append(target, el('p', { className: 'banner error', attrs: { role: 'alert' } }, error.message || String(error)));
  }

  // The export status heads /debug/config; a failing destination is shown above everything.
  function checkExport() {
    api('/debug/config').then(function (body) {
      var banner = document.getElementById('export');
      var failing = body.export && body.export.state === 'failing';
      banner.hidden = !failing;
      banner.textContent = failing ? body.export.summary : '';
    }).catch(function () { /* the answer below says what is wrong */ });
  }

  // ---- a trace answer -------------------------------------------------------------------------

  function traceAnswer(b) {
    var parts = [];
    parts.push(banner(b));
    var d = b.decision || (b.earlier_decision || null);
    if (b.state === 'buffered' && b.earlier_decision) {
      parts.push(el('p', { className: 'facts' }, 'Decided once already: ' + decidingText(b.earlier_decision) +
        '; more spans arrived since.'));
    }
    if (b.spans_held_until) {
      parts.push(keepButton('Keep this trace', '/debug/traces/' + encodeURIComponent(b.trace_id) + '/keep',
        'Exports every span and log record of this dropped trace now (reason "kept on request"),' +
        ' while the span log holds them (until ' + utcDateTime(b.spans_held_until) + ').'));
    }
    if (b.decision && b.decision.trace) { parts.push(shape(b.decision)); }
    // A trace kept on request has no verdicts of its own: the ones that dropped it still explain it.
    var verdicts = d;
    if (d && !(d.policies && d.policies.length) && d.earlier_decisions && d.earlier_decisions.length) {
      verdicts = d.earlier_decisions[d.earlier_decisions.length - 1];
    }
    if (verdicts && verdicts.policies && verdicts.policies.length) {
      parts.push(verdictTable(verdicts, verdicts === d ? '' : ' when it was ' + verdicts.outcome + ' at ' +
        utcDateTime(verdicts.decided_at)));
    }
    parts.push(historyTable(b));
    parts.push(waterfall(b));
    if (b.explanation) {
      parts.push(el('details', null, el('summary', null, 'The same answer in one paragraph'),
        el('p', { className: 'explanation' }, b.explanation)));
    }
    parts.push(el('details', null, el('summary', null, 'Everything llmtail knows (JSON)'),
      el('pre', null, JSON.stringify(b, null, 2))));
    return el('article', { className: 'trace-answer', attrs: { 'aria-label': 'Trace ' + b.trace_id } }, parts);
  }

  // A POST that keeps dropped traces; once kept, the view is asked again and shows both decisions.
  function keepButton(label, path, hint) {
    var result = el('p', { className: 'facts', attrs: { role: 'status' } });
    var button = el('button', { type: 'button', className: 'keep' }, label);
    button.addEventListener('click', function () {
      button.disabled = true;
      result.textContent = 'Keeping …';
      api(path, 'POST').then(function (b) {
        // The decision log holds the new decision before the answer: ask again to show both.
        result.textContent = b.explanation;
        var q = query.value.trim();
        if (q) { explain(q); }
      }).catch(function (e) {
        button.disabled = false;
        result.textContent = e.message || String(e);
      });
    });
    return el('div', { className: 'keep-row' }, button, el('span', { className: 'sub' }, hint), result);
  }

  function banner(b) {
    var d = b.decision;
    // A decision the log has not recorded yet carries no time or verdicts: its explanation says so.
    if (b.state === 'decided' && d && d.decided_at) {
      var deciding = decidingText(d);
      var before = (d.earlier_decisions || []).map(function (e) {
        return (e.outcome === 'kept' ? 'Kept' : 'Dropped') + ' at ' + utcDateTime(e.decided_at) + ': ' + e.reason + '; then ';
      }).join('');
      var outcome = d.outcome === 'kept' ? 'Kept' : 'Dropped';
      return el('p', { className: 'banner ' + d.outcome },
        before + (before ? outcome.toLowerCase() : outcome) + ' at ' + utcDateTime(d.decided_at) + ': ' + d.reason + '.',
        el('span', { className: 'sub' }, 'Deciding: ' + (decidingPolicies(d).length ? deciding : decidedWithoutPolicy(d)) +
          (d.trigger ? ' · trigger ' + d.trigger : '') + ' · trace ' + b.trace_id));
    }
    if (b.state === 'buffered') {
      return el('p', { className: 'banner buffered' }, 'Not decided yet: ' +
        plural(b.buffered.span_count, 'span', 'spans') + ' buffered, decided at the latest ' +
        utcDateTime(b.buffered.decided_by) + '.',
        el('span', { className: 'sub' }, 'Waiting because ' + b.buffered.waiting_for + '.'));
    }
    var kind = b.outcome || (d && d.outcome) || '';
    return el('p', { className: 'banner ' + kind }, b.explanation);
  }

  function shape(d) {
    var t = d.trace, llm = d.llm;
    var text = (t.root_span || '(root span never arrived)') + ' in ' + t.service + ', ' +
      plural(t.span_count, 'span', 'spans') + ' over ' + ms(t.duration_ms) + ', started ' + utcDateTime(t.start);
    if (llm && llm.calls) {
      text += '; ' + plural(llm.calls, 'LLM call', 'LLM calls') + ', ' +
        (llm.input_tokens + llm.output_tokens) + ' tokens' + (llm.cost_usd !== null ? ', ' + cost(llm.cost_usd) : '');
    }
    if (d.conversation_ids && d.conversation_ids.length) { text += '; conversation ' + d.conversation_ids.join(', '); }
    return el('p', { className: 'facts' }, text + '.');
  }

  function evidenceCell(items, field) {
    return el('td', { className: field === 'span_id' ? 'mono' : '' }, items.map(function (e) {
      var value = e[field];
      if (field === 'span_id' && value) {
        return el('span', { className: 'evidence' }, el('a', { href: '#span-' + value }, value));
      }
      return el('span', { className: 'evidence' }, value || '—');
    }));
  }

  function policyRow(p, deciding) {
    var ev = p.evidence || [];
    return row([
      el('th', { scope: 'row' }, p.name),
      el('td', null, p.type),
      el('td', null, el('span', { className: 'vote ' + p.vote }, p.vote.replace('_', ' '))),
      el('td', null, p.reason),
      evidenceCell(ev, 'span_id'), evidenceCell(ev, 'attribute'),
      evidenceCell(ev, 'observed'), evidenceCell(ev, 'threshold')
    ], { className: deciding ? 'deciding' : (p.vote === 'no_opinion' ? 'no-opinion' : '') });
  }

  var tableIds = 0;

  function verdictTable(d, when) {
    var deciding = decidingPolicies(d);
    var others = d.policies.filter(function (p) { return deciding.indexOf(p) < 0 && p.vote !== 'no_opinion'; });
    var quiet = d.policies.filter(function (p) { return p.vote === 'no_opinion'; });
    var head = headerRow(['Policy', 'Type', 'Vote', 'Reason', 'Evidence span', 'Attribute', 'Observed', 'Threshold']);
    var shown = el('tbody', null, deciding.map(function (p) { return policyRow(p, true); }),
      others.map(function (p) { return policyRow(p, false); }),
      deciding.length + others.length ? null : row(el('td', { colSpan: 8, className: 'facts' },
        'No policy voted: every policy had no opinion, so the trace was ' + d.outcome + '.')));
    var folded = el('tbody', { className: 'folded', hidden: true, id: 'no-opinion-' + (++tableIds) },
      quiet.map(function (p) { return policyRow(p, false); }));
    var table = el('table', { className: 'verdicts' },
      el('caption', null, 'Every policy\'s verdict' + when + ' (deciding first)'), head, shown, folded);
    var parts = [el('h2', null, 'Verdicts'), table];
    if (quiet.length) {
      var label = function (open) {
        return (open ? 'Hide the ' : 'Show the ') + plural(quiet.length, 'policy', 'policies') + ' with no opinion';
      };
      var toggle = el('button', { type: 'button', className: 'fold', attrs: { 'aria-expanded': 'false', 'aria-controls': folded.id } }, label(false));
      toggle.addEventListener('click', function () {
        folded.hidden = !folded.hidden;
        toggle.setAttribute('aria-expanded', String(!folded.hidden));
        toggle.textContent = label(!folded.hidden);
      });
      parts.push(toggle);
    }
    return el('div', { className: 'verdict-block' }, parts);
  }

  /** What happened to the trace, in time order: its decisions (a drop, then a keep), late spans, waiting. */
  function historyTable(b) {
    var rows = [];
    var d = b.decision;
    if (d && d.trace && d.trace.start) { rows.push([d.trace.start, 'first span started', '', d.trace.root_span || '']); }
    if (b.earlier_decision) { rows.push(decisionRow(b.earlier_decision)); }
    if (b.buffered) {
      rows.push([b.buffered.first_span_at, 'spans arriving', '', plural(b.buffered.span_count, 'span', 'spans') + ' buffered']);
      rows.push([b.buffered.last_span_at, 'latest span arrived', '', '']);
      rows.push([b.buffered.decided_by, 'to be decided (' + b.buffered.expected_trigger + ')', '', 'if no other span arrives']);
    }
    if (d && d.decided_at) {
      // A dropped trace kept afterwards: the drop first, then each later decision, oldest first.
      (d.earlier_decisions || []).forEach(function (e) { rows.push(decisionRow(e)); });
      rows.push(decisionRow(d));
      if (d.late_spans_since) {
        rows.push([d.decided_at, 'late spans', '', plural(d.late_spans_since, 'span', 'spans') +
          ' arrived after the decision and followed it (' + d.outcome + ')']);
      }
    }
    if (b.decided_at) { rows.push([b.decided_at, 'decided: ' + b.outcome, '', '']); }
    if (b.forgotten_at) { rows.push([b.forgotten_at, 'forgotten by the decision log', '', '']); }
    if (!rows.length) { return null; }
    return el('div', null, el('h2', null, 'History'), el('table', { className: 'history' },
      el('caption', { className: 'visually-hidden' }, 'History of this trace'),
      headerRow(['Time', 'What happened', 'By', 'Reason']),
      el('tbody', null, rows.map(function (r) {
        return row([el('td', { className: 'mono' }, utcDateTime(r[0])), el('td', null, r[1]), el('td', null, r[2]),
          el('td', null, r[3])], { className: r[4] || '' });
      }))));
  }

  /** A decision as a history row: when, what (decided, or kept afterwards), by whom, and why. */
  function decisionRow(d) {
    var promoted = d.trigger === 'promoted';
    var names = decidingPolicies(d).map(function (p) { return p.name; });
    var what = promoted ? (names.length ? 'kept afterwards, on late evidence' : 'kept afterwards')
      : 'decided: ' + d.outcome + (d.trigger ? ' (' + d.trigger + ')' : '');
    return [d.decided_at, what, names.length ? names.join(', ') : decidedWithoutPolicy(d), d.reason,
      promoted ? 'promoted' : ''];
  }

  /** Who decided when no policy did: a person's request, or the default of no vote. */
  function decidedWithoutPolicy(d) {
    if (d.trigger !== 'promoted') { return 'no policy voted'; }
    return d.reason === 'kept on request' ? 'a request (Keep this trace, or POST …/keep)' : d.reason;
  }

  function evidenceBySpan(b) {
    var bySpan = {};
    var d = b.decision || b.earlier_decision;
    ((d && d.policies) || []).forEach(function (p) {
      (p.evidence || []).forEach(function (e) {
        if (e.span_id) { (bySpan[e.span_id] = bySpan[e.span_id] || []).push(p.name); }
      });
    });
    return bySpan;
  }

  var sourceWords = {
    buffered: 'The spans buffered so far (the trace is not decided yet).',
    kept: 'The spans the decision saw, held by llmtail since it kept the trace.',
    retained: 'The spans of this dropped trace, still retained by the span log.'
  };

  function waterfall(b) {
    var w = b.waterfall;
    var heading = el('h2', null, 'The trace');
    if (!w) {
      return el('div', null, heading, el('p', { className: 'facts waterfall-missing' }, b.waterfall_missing || ''));
    }
    var total = Math.max(w.duration_ms, 0.001);
    var marks = evidenceBySpan(b);
    var rows = w.spans.map(function (s) {
      var track = el('div', { className: 'track' });
      var bar = el('div', { className: 'bar' + (s.status === 'error' ? ' error' : (s.llm ? ' llm' : '')) });
      bar.style.left = (100 * s.start_offset_ms / total) + '%';
      bar.style.width = (100 * s.duration_ms / total) + '%';
      track.appendChild(bar);
      var name = el('td', { className: 'name' }, el('span', { className: 'indent' }, '\u00a0\u00a0'.repeat(s.depth)), s.name);
      if (marks[s.span_id]) {
        append(name, [' ', el('span', { className: 'marker', title: 'evidence of ' + marks[s.span_id].join(', ') },
          '◆ evidence: ' + marks[s.span_id].join(', '))]);
      }
      return row([
        name,
        el('td', null, s.service),
        el('td', { className: 'timeline', attrs: { 'aria-hidden': 'true' } }, track),
        el('td', { className: 'num' }, s.ended ? ms(s.duration_ms) : 'not ended'),
        el('td', { className: 'status ' + s.status }, s.status + (s.status_message ? ': ' + s.status_message : '')),
        el('td', { className: 'llm-facts' }, s.llm ? llmFacts(s.llm) : '')
      ], { id: 'span-' + s.span_id, className: marks[s.span_id] ? 'has-evidence' : '' });
    });
    return el('div', null, heading,
      el('p', { className: 'facts' }, (sourceWords[w.source] || w.source) + ' ' +
        plural(w.span_count, 'span', 'spans') + ' over ' + ms(w.duration_ms) + '.' +
        (w.left_out ? ' The first ' + w.spans.length + ' are drawn; ' + w.left_out + ' more are left out.' : '')),
      el('table', { className: 'waterfall' },
        el('caption', { className: 'visually-hidden' }, 'Spans of the trace as a waterfall'),
        headerRow(['Span', 'Service', 'Timeline', '#Duration', 'Status', 'LLM call']),
        el('tbody', null, rows)));
  }

  function llmFacts(c) {
    var model = c.model_asked || '?';
    if (c.model_answered && c.model_answered !== c.model_asked) { model += ' → ' + c.model_answered; }
    var bits = [model];
    if (c.input_tokens !== null || c.output_tokens !== null) {
      bits.push((c.input_tokens === null ? '?' : c.input_tokens) + ' in / ' + (c.output_tokens === null ? '?' : c.output_tokens) + ' out tokens');
    }
    if (c.cost_usd !== null) { bits.push(cost(c.cost_usd)); }
    if (c.finish_reasons && c.finish_reasons.length) { bits.push('finish ' + c.finish_reasons.join(', ')); }
    if (c.streaming !== null) { bits.push(c.streaming ? 'streamed' : 'not streamed'); }
    if (c.error_type) { bits.push('error ' + c.error_type); }
    var out = [el('span', null, bits.join(' · '))];
    if (c.input !== undefined) {
      if (c.input) { out.push(el('div', { className: 'content' }, 'Prompt: ' + c.input)); }
      if (c.output) { out.push(el('div', { className: 'content' }, 'Output: ' + c.output)); }
    }
    return out;
  }

  // ---- a conversation as a timeline -----------------------------------------------------------

  function conversationAnswer(b) {
    var turns = b.traces.slice().sort(function (x, y) {
      return (x.trace.start || '').localeCompare(y.trace.start || '') ||
        (x.decided_at || '').localeCompare(y.decided_at || '');
    });
    var body = el('tbody');
    turns.forEach(function (t, i) {
      var open = el('button', { type: 'button', attrs: { 'aria-expanded': 'false' } }, 'Open ' + t.trace_id);
      var detail = el('tr', { className: 'turn-answer', hidden: true }, el('td', { colSpan: 8 }));
      open.addEventListener('click', function () {
        var opening = detail.hidden;
        detail.hidden = !opening;
        open.setAttribute('aria-expanded', String(opening));
        if (opening && !detail.firstChild.firstChild) {
          detail.firstChild.textContent = 'Looking up ' + t.trace_id + ' …';
          api('/debug/traces/' + encodeURIComponent(t.trace_id)).then(function (answer) {
            clear(detail.firstChild);
            append(detail.firstChild, traceAnswer(answer));
          }).catch(function (e) { problem(detail.firstChild, e); });
        }
      });
      var llm = t.llm || {};
      body.appendChild(row([
        el('td', { className: 'num' }, String(i + 1)),
        el('td', { className: 'mono' }, utcDateTime(t.trace.start)),
        el('td', null, el('span', { className: 'outcome ' + t.outcome }, t.outcome)),
        el('td', null, decidingText(t)),
        el('td', { className: 'num' }, String(llm.calls || 0)),
        el('td', { className: 'num' }, String((llm.input_tokens || 0) + (llm.output_tokens || 0))),
        el('td', { className: 'num' }, cost(llm.cost_usd)),
        el('td', null, open)
      ], { className: 'turn' }));
      body.appendChild(detail);
    });
    var dropped = b.traces.filter(function (t) { return t.outcome === 'dropped'; }).length;
    return el('article', { className: 'conversation' },
      el('p', { className: 'banner' }, b.explanation.replace(/ Newest first:$/, '')),
      dropped ? keepButton('Keep this conversation', '/debug/conversations/' + encodeURIComponent(b.conversation_id) + '/keep',
        'Exports every dropped turn whose spans the span log still holds (reason "kept on request").') : null,
      b.traces.length ? el('table', { className: 'timeline', id: 'timeline' },
        el('caption', null, 'Turns, oldest first'),
        headerRow(['#Turn', 'Time', 'Outcome', 'Deciding policy', '#LLM calls', '#Tokens', '#Cost', 'Trace']), body) : null,
      el('details', null, el('summary', null, 'Everything llmtail knows (JSON)'), el('pre', null, JSON.stringify(b, null, 2))));
  }

  // ---- the explain view -----------------------------------------------------------------------

  var answer = document.getElementById('answer');

  function explain(q) {
    checkExport();
    var isTrace = /^[0-9a-fA-F]{32}$/.test(q);
    clear(answer);
    append(answer, el('p', { className: 'banner' }, 'Looking up ' + q + ' …'));
    api((isTrace ? '/debug/traces/' : '/debug/conversations/') + encodeURIComponent(q)).then(function (b) {
      clear(answer);
      append(answer, b.traces ? conversationAnswer(b) : traceAnswer(b));
    }).catch(function (e) { problem(answer, e); });
  }

  var query = document.getElementById('query');
  document.getElementById('ask').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var q = query.value.trim();
    if (q) { window.history.replaceState(null, '', '?q=' + encodeURIComponent(q)); explain(q); }
  });
  token.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') { return; }
    ev.preventDefault();
    var form = document.getElementById('decisions-view').hidden ? 'ask' : 'filters';
    document.getElementById(form).requestSubmit();
  });

  // ---- the recent decisions view --------------------------------------------------------------

  var filterNames = ['outcome', 'policy', 'service', 'model', 'since', 'until'];

  function rateChart(w) {
    var rows = [row([el('th', { scope: 'row' }, 'all policies'), bar(w.keep_rate),
      el('td', { className: 'num' }, percent(w.keep_rate) + ' (' + w.kept + ' of ' + w.decisions + ')')])];
    w.policies.forEach(function (p) {
      rows.push(row([el('th', { scope: 'row' }, p.name), bar(p.keep_rate),
        el('td', { className: 'num' }, percent(p.keep_rate) + ' (' + p.keep_votes + ')')]));
    });
    return el('div', { className: 'rate-chart' }, el('table', null,
      el('caption', null, 'Keep rate, last ' + w.window + (w.covered ? '' : ' (the decision log holds only the decisions since ' + utcTime(w.log_horizon) + ')')),
      headerRow(['Policy', 'Kept', '#Share of decided traces']), el('tbody', null, rows)));
  }

  function bar(rate) {
    var b = el('div', { className: 'bar' });
    b.style.width = (100 * rate) + '%';
    return el('td', { className: 'barcell', attrs: { 'aria-hidden': 'true' } }, el('div', { className: 'track' }, b));
  }

  function loadRates() {
    var target = document.getElementById('rates');
    api('/debug/keep-rates').then(function (b) {
      clear(target);
      append(target, b.windows.map(function (w) { w.log_horizon = b.log_horizon; return rateChart(w); }));
      var names = document.getElementById('policy-names');
      clear(names);
      (b.windows[b.windows.length - 1].policies || []).forEach(function (p) { names.appendChild(el('option', { value: p.name })); });
    }).catch(function (e) { problem(target, e); });
  }

  function loadDecisions() {
    var params = new URLSearchParams();
    filterNames.forEach(function (n) {
      var v = document.getElementById('f-' + n).value.trim();
      if (v) { params.set(n, v); }
    });
    var shown = new URLSearchParams(params);
    shown.set('view', 'decisions');
    window.history.replaceState(null, '', '?' + shown.toString());
    var target = document.getElementById('decisions');
    loadRates();
    checkExport();
    api('/debug/decisions?' + params.toString()).then(function (b) {
      clear(target);
      if (!b.decisions.length) {
        append(target, el('p', { className: 'facts' }, 'No decision in the log (since ' + utcDateTime(b.log_horizon) + ') matches.'));
        return;
      }
      append(target, el('table', { id: 'decision-list' },
        el('caption', null, plural(b.count, 'decision', 'decisions') + ', newest first'),
        headerRow(['Decided', 'Outcome', 'Deciding policy', 'Root span', 'Service', 'Models', '#Spans', 'Trace']),
        el('tbody', null, b.decisions.map(function (d) {
          var models = (d.llm.models_answered.length ? d.llm.models_answered : d.llm.models_asked).join(', ');
          return row([
            el('td', { className: 'mono' }, utcDateTime(d.decided_at)),
            el('td', null, el('span', { className: 'outcome ' + d.outcome }, d.outcome)),
            el('td', null, decidingText(d)),
            el('td', null, d.trace.root_span),
            el('td', null, d.trace.service),
            el('td', null, models),
            el('td', { className: 'num' }, String(d.trace.span_count)),
            el('td', { className: 'mono' }, el('a', { href: '/debug?q=' + d.trace_id }, d.trace_id))
          ]);
        }))));
    }).catch(function (e) { problem(target, e); });
  }

  document.getElementById('filters').addEventListener('submit', function (ev) {
    ev.preventDefault();
    loadDecisions();
  });

  // ---- start ----------------------------------------------------------------------------------

  var params = new URLSearchParams(location.search);
  var decisionsView = params.get('view') === 'decisions';
  document.getElementById('explain-view').hidden = decisionsView;
  document.getElementById('decisions-view').hidden = !decisionsView;
  document.getElementById(decisionsView ? 'nav-decisions' : 'nav-explain').setAttribute('aria-current', 'page');
  if (decisionsView) {
    filterNames.forEach(function (n) { if (params.get(n)) { document.getElementById('f-' + n).value = params.get(n); } });
    loadDecisions();
    // Live keep rates: the charts follow the decision log while the page is open.
    setInterval(function () { if (!document.hidden) { loadRates(); } }, 30000);
  } else {
    checkExport();
    var initial = params.get('q');
    if (initial) { query.value = initial; explain(initial.trim()); }
  }
})();
