#!/usr/bin/env python3
"""Gateway-view variants of the public gateway trace for the detection audit.
usage: gateway_variants.py NAME MODE START HOURS [--backend asset-2] [--frac 1.0] [--err connect_refused] [--keep 1.0] [--cut ISO]
MODE: silent-remove | silent-reassign | errors | none
Writes OUT_DIR/NAME.jsonl and OUT_DIR/NAME.truth.json from --base (the uncompressed public gateway trace)
and --truth (its truth file), cut at --cut (default 2022-06-19T00:00Z, i.e. before the original
no_backend incident)."""
import json, sys, random, argparse, datetime as dt
ap = argparse.ArgumentParser()
ap.add_argument('name'); ap.add_argument('mode'); ap.add_argument('start'); ap.add_argument('hours', type=float)
ap.add_argument('--backend', default='asset-2'); ap.add_argument('--frac', type=float, default=1.0)
ap.add_argument('--err', default='connect_refused'); ap.add_argument('--keep', type=float, default=1.0)
ap.add_argument('--cut', default='2022-06-19T00:00:00Z'); ap.add_argument('--seed', type=int, default=8)
ap.add_argument('--base', required=True); ap.add_argument('--truth', required=True); ap.add_argument('--out-dir', default='v')
a = ap.parse_args()
P = lambda s: dt.datetime.fromisoformat(s.replace('Z', '+00:00'))
start = P(a.start); end = start + dt.timedelta(hours=a.hours); cut = P(a.cut)
rng = random.Random(a.seed)
peers = {'asset-1': ['asset-2', 'asset-3'], 'asset-2': ['asset-1', 'asset-3'], 'asset-3': ['asset-1', 'asset-2'],
         'api-1': ['api-2'], 'api-2': ['api-1']}[a.backend]
# normal rate of the backend's successful exchanges in the same window one week earlier (for t*)
wk0, wk1 = start - dt.timedelta(days=7), end - dt.timedelta(days=7)
ref = 0; n_in = 0; n_aff = 0; out_lines = 0
cdn_ok_prev = 0
with open(a.base) as f, open(f'{a.out_dir}/{a.name}.jsonl', 'w') as o:
    for line in f:
        r = json.loads(line)
        t = P(r['ts'])
        if t >= cut:
            break
        probe = 'HealthChecker' in r.get('req', {}).get('user-agent', '')
        if not probe and a.keep < 1.0 and rng.random() >= a.keep:
            continue
        b = r.get('backend')
        if b == a.backend and wk0 <= t < wk1 and r['status'] < 500:
            ref += 1
        if start <= t < end and b == a.backend:
            n_in += 1
            if a.mode == 'silent-remove':
                n_aff += 1; continue
            if a.mode == 'silent-reassign':
                r['backend'] = peers[rng.randrange(len(peers))]; n_aff += 1
            elif a.mode == 'errors' and rng.random() < a.frac:
                n_aff += 1
                r['status'] = 504 if a.err == 'connect_timeout' else 502
                r['error'] = a.err; r['bytes'] = 15
                r['duration_ms'] = 5000.0 if a.err == 'connect_timeout' else 0.5
                r['resp'] = {'content-type': 'text/plain'}
            line = json.dumps(r, separators=(',', ':')) + '\n'
        o.write(line); out_lines += 1
lam = ref / (a.hours * 60)
truth = json.load(open(a.truth))
truth['scenario'] = a.name; truth['trace_end'] = a.cut; truth['lines'] = out_lines
truth['description'] = ' '.join(sys.argv[1:])
if a.mode == 'none':
    truth['incidents'] = []
else:
    if a.mode.startswith('silent'):
        rho = 0.0; kind = 'backend-missing'
    else:
        rho = round(1 - a.frac, 4); kind = 'backend-errors'
    truth['incidents'] = [{
        'id': a.name, 'kind': kind, 'effect': a.mode, 'start': start.strftime('%Y-%m-%dT%H:%M:%SZ'),
        'end': end.strftime('%Y-%m-%dT%H:%M:%SZ'), 'expected_detectors': [kind],
        'description': f'{a.backend} {a.mode} frac={a.frac} err={a.err}; {n_aff} of {n_in} lines affected',
        'expected_cdn_fetch_rate_per_min': round(lam, 4), 'bound_stream': f'successful {a.backend} exchanges',
        'bound_stream_rate_per_min': round(lam, 4), 'bound_rho': rho}]
json.dump(truth, open(f'{a.out_dir}/{a.name}.truth.json', 'w'), indent=1)
print(f'{a.name}: {out_lines} lines, {n_aff}/{n_in} affected, lambda(week before)={lam:.3f}/min', file=sys.stderr)
