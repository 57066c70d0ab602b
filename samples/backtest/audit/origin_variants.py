#!/usr/bin/env python3
"""Origin-view variants of a public trace for the detection audit: CDN swap, thinning, duplication, time shift, reorder,
malformed lines, and an injected partial POP loss.

usage: origin_variants.py IN.jsonl IN.truth.json OUT.jsonl [--cdn fastly|akamai|akamai-pop|cloudflare|cloudfront]
       [--thin F] [--thin-assets F] [--dup K] [--shift-hours H] [--reorder P] [--malformed P] [--seed S]
       [--pop-loss F --pop-loss-at TS --pop-loss-hours H]
--pop-loss: from TS for H hours, the CDN lines of a fraction F of the edge keys (the cf-ray POP, the CloudFront Via
host; chosen by a hash of the key) are removed, as when some POPs lose their route to the origin. The incident
replaces the trace's own in the truth file, with rho and the rate measured from the original lines in the window.
Writes OUT.jsonl and OUT.truth.json (same stem).
"""
import argparse, hashlib, json, random, datetime as dt

ap = argparse.ArgumentParser()
ap.add_argument('inp'); ap.add_argument('truth'); ap.add_argument('out')
ap.add_argument('--cdn'); ap.add_argument('--thin', type=float); ap.add_argument('--thin-assets', type=float)
ap.add_argument('--dup', type=int); ap.add_argument('--weekdup', action='store_true'); ap.add_argument('--shift-hours', type=float, default=0.0)
ap.add_argument('--reorder', type=float); ap.add_argument('--malformed', type=float)
ap.add_argument('--seed', type=int, default=7)
ap.add_argument('--pop-loss', type=float); ap.add_argument('--pop-loss-at'); ap.add_argument('--pop-loss-hours', type=float, default=4.0)
a = ap.parse_args()
rnd = random.Random(a.seed)

def h(s, n=8):
    return hashlib.blake2b(s.encode(), digest_size=n).hexdigest()

def parse_ts(s):
    return dt.datetime.fromisoformat(s.replace('Z', '+00:00'))

def fmt_ts(t):
    return t.astimezone(dt.timezone.utc).strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3] + 'Z'

POPS = {'fastly': ['FRA', 'LHR', 'IAD', 'JFK', 'ORD', 'DFW', 'SJC', 'SEA', 'AMS', 'CDG'],
        'cloudflare': ['IAD', 'EWR', 'ORD', 'DFW', 'LAX', 'SEA', 'FRA', 'CDG', 'AMS', 'LHR'],
        'akamai-pop': ['FRA', 'LHR', 'IAD', 'JFK', 'ORD', 'DFW', 'SJC', 'SEA', 'AMS', 'CDG']}
BROWSERS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"]

def cdn_line(req):
    return req is not None and ('x-amz-cf-id' in req or 'cf-ray' in req)

def pop_key(req):
    if 'cf-ray' in req:
        return req['cf-ray'].rsplit('-', 1)[-1]
    return req.get('via', 'x x').split()[1][:8]

def swap(req, cdn, key):
    ua = req.get('user-agent', '')
    if ua == 'Amazon CloudFront' or not ua.startswith('Mozilla/'):
        ua = BROWSERS[int(h(key + req.get('x-amz-cf-id', ''), 2), 16) % len(BROWSERS)]
    new = {'host': req.get('host', 'assets.example.com')}
    for k in ('if-none-match', 'if-modified-since', 'accept-encoding'):
        if k in req:
            new[k] = req[k]
    xff = req.get('x-forwarded-for', '203.0.113.7').split(',')[0].strip()
    rid = h(json.dumps(req, sort_keys=True), 8)
    if cdn == 'fastly':
        pop = POPS['fastly'][int(h(key), 16) % 10]
        node = 19000 + int(h(key + 'n'), 16) % 900
        new.update({'user-agent': ua, 'fastly-ff': f"{h(rid,16)}=!{pop}!cache-{pop.lower()}{node}-{pop}",
                    'cdn-loop': 'Fastly', 'fastly-client-ip': xff, 'x-varnish': str(int(rid[:8], 16)),
                    'via': '1.1 varnish', 'x-forwarded-for': xff, 'fastly-ssl': '1'})
    elif cdn == 'cloudflare':
        pop = POPS['cloudflare'][int(h(key), 16) % 10]
        new.update({'user-agent': ua, 'cf-ray': f"{rid}-{pop}", 'cdn-loop': 'cloudflare',
                    'cf-connecting-ip': xff, 'cf-ipcountry': 'US', 'cf-visitor': '{"scheme":"https"}',
                    'x-forwarded-for': xff, 'x-forwarded-proto': 'https'})
    elif cdn == 'akamai':  # generic ghost Via, no POP identity
        new.update({'user-agent': ua, 'akamai-origin-hop': '2', 'via': '1.1 akamai.net(ghost) (AkamaiGHost)',
                    'true-client-ip': xff, 'x-forwarded-for': xff, 'pragma': 'no-cache'})
    elif cdn == 'akamai-pop':  # edge host in Via
        ip = int(h(key), 16)
        host = f"a{23 + ip % 100}-{ip >> 8 & 255}-{ip >> 16 & 255}-{ip >> 24 & 255}.deploy.static.akamaitechnologies.com"
        new.update({'user-agent': ua, 'akamai-origin-hop': '1', 'via': f'1.1 {host} (AkamaiGHost), 1.1 v1-akamaitech.net(ghost) (AkamaiGHost)',
                    'true-client-ip': xff, 'x-forwarded-for': xff})
    elif cdn in ('cloudfront', 'cloudfront-edges'):
        hx = h(key, 16) if cdn == 'cloudfront' else h(key + str(int(rid[:2], 16) % 5), 16)  # 5 edge servers per POP
        new.update({'user-agent': 'Amazon CloudFront', 'via': f'1.1 {hx}.cloudfront.net (CloudFront)',
                    'x-amz-cf-id': h(rid, 28)[:54] + '==', 'x-forwarded-for': xff})
    return new

truth = json.load(open(a.truth))
shift = dt.timedelta(hours=a.shift_hours)
win = [(parse_ts(i['start']), parse_ts(i['end'])) for i in truth['incidents']]
tend = parse_ts(truth['trace_end'])

loss_all = loss_dropped = 0
if a.pop_loss is not None:
    loss_start = parse_ts(a.pop_loss_at)
    loss_end = loss_start + dt.timedelta(hours=a.pop_loss_hours)
out_lines = []  # (sort key time or None, text)
n_in = n_cdn = n_kept = n_dup = 0
last_t = None
for line in open(a.inp):
    n_in += 1
    try:
        d = json.loads(line)
        t = parse_ts(d['ts']) if isinstance(d['ts'], str) else None
    except Exception:
        out_lines.append((last_t, line.rstrip('\n')))
        continue
    last_t = t
    req = d.get('req')
    is_cdn = cdn_line(req)
    if is_cdn and a.pop_loss is not None and loss_start <= t < loss_end:
        loss_all += 1
        if int(h('pop' + pop_key(req)), 16) / 16**16 < a.pop_loss:
            loss_dropped += 1
            continue
    if is_cdn:
        n_cdn += 1
        if a.thin is not None and rnd.random() >= a.thin:
            continue
        if a.thin_assets is not None and int(h('a' + d['path']), 16) / 16**16 >= a.thin_assets:
            continue
    copies = [(d, t)]
    if is_cdn and a.weekdup:
        W = dt.timedelta(days=7)
        ts0, ts1 = parse_ts(truth['trace_start']), tend
        def ok(x):
            return ts0 <= x <= ts1 and not any(s_ <= x <= e_ + dt.timedelta(minutes=10) for s_, e_ in win)
        def pref(T):
            return T + W if ok(T + W) else (T - W if ok(T - W) else None)
        for T in (t - W, t + W):
            if ok(T) and pref(T) == t:
                p = d['path']; i = p.rfind('/')
                d2 = dict(d); d2['path'] = p[:i] + '/w' + p[i:]
                d2['req'] = dict(req); d2['req']['x-amz-cf-id' if 'x-amz-cf-id' in req else 'cf-ray'] = (
                    h(d2['path'] + d['ts'], 27)[:54] + '==' if 'x-amz-cf-id' in req else h(d2['path'] + d['ts'], 8) + '-' + pop_key(req))
                copies.append((d2, T)); n_dup += 1
    if is_cdn and a.dup:
        for k in range(1, a.dup):
            p = d['path']
            i = p.rfind('/')
            off = dt.timedelta(seconds=(int(h(f'{p}#{k}'), 16) % 3600) - 1800)
            t2 = t + off
            if any(s <= t2 <= e for s, e in win) or t2 > tend or t2 < parse_ts(truth['trace_start']):
                continue
            d2 = dict(d); d2['path'] = p[:i] + f'/c{k}' + p[i:]
            d2['req'] = dict(req); d2['req']['x-amz-cf-id' if 'x-amz-cf-id' in req else 'cf-ray'] = (
                h(d2['path'] + d['ts'], 27)[:54] + '==' if 'x-amz-cf-id' in req else h(d2['path'] + d['ts'], 8) + '-' + pop_key(req))
            copies.append((d2, t2)); n_dup += 1
    for dd, tt in copies:
        if is_cdn:
            n_kept += 1
            if a.cdn:
                dd = dict(dd); dd['req'] = swap(dd['req'], a.cdn, pop_key(dd['req']))
        tt2 = tt + shift
        dd = dict(dd); dd['ts'] = fmt_ts(tt2)
        out_lines.append((tt2, json.dumps(dd, separators=(',', ':'))))

# dup copies were offset: sort (stable) by time; malformed originals keep their neighbour's time
if a.dup or a.weekdup:
    out_lines.sort(key=lambda x: x[0])
if a.reorder:
    # swap a fraction P of lines with a later line up to 4.5 s away
    i = 0
    while i < len(out_lines) - 1:
        if rnd.random() < a.reorder:
            j = i + 1
            while j + 1 < len(out_lines) and (out_lines[j + 1][0] - out_lines[i][0]).total_seconds() < 4.5:
                j += 1
            out_lines[i], out_lines[j] = out_lines[j], out_lines[i]
            i = j
        i += 1
n_mal = 0
with open(a.out, 'w') as f:
    for t, text in out_lines:
        if a.malformed and rnd.random() < a.malformed:
            n_mal += 1
            r = rnd.random()
            text = text[:rnd.randrange(1, len(text))] if r < 0.5 else (
                text.replace('"status":', '"stat":', 1) if r < 0.75 else text.replace('"ts":"', '"ts":"x', 1))
        f.write(text + '\n')

# truth
frac = 1.0
if a.thin is not None: frac *= a.thin
if a.thin_assets is not None: frac *= n_kept / max(1, n_cdn) if not a.dup else 1
if a.dup: frac *= a.dup
if a.weekdup: frac *= 2
for inc in truth['incidents']:
    for k in ('start', 'end'):
        inc[k] = fmt_ts(parse_ts(inc[k]) + shift)
    for k in ('bound_stream_rate_per_min', 'expected_cdn_fetch_rate_per_min'):
        if k in inc:
            inc[k] = inc[k] * frac
if a.pop_loss is not None:
    minutes = a.pop_loss_hours * 60
    rate = loss_all / minutes * frac
    truth['incidents'] = [{
        'id': 'pop-loss', 'kind': 'partial', 'effect': 'pop_loss',
        'start': fmt_ts(loss_start + shift), 'end': fmt_ts(loss_end + shift),
        'expected_detectors': ['cdn-rate-drop'],
        'description': f'CDN lines of {a.pop_loss:.0%} of the edge keys removed',
        'expected_cdn_fetch_rate_per_min': rate, 'bound_stream': 'cdn-fetches',
        'bound_stream_rate_per_min': rate, 'bound_rho': 1 - loss_dropped / max(1, loss_all)}]
for k in ('trace_start', 'trace_end'):
    truth[k] = fmt_ts(parse_ts(truth[k]) + shift)
if a.cdn:
    truth['cdn'] = a.cdn
truth['h7'] = dict(vars(a), rate_factor=frac, cdn_in=n_cdn, cdn_out=n_kept, dup=n_dup, malformed_injected=n_mal,
                   pop_loss_lines=loss_all, pop_loss_dropped=loss_dropped)
json.dump(truth, open(a.out.rsplit('.jsonl', 1)[0] + '.truth.json', 'w'), indent=1)
print(json.dumps(truth['h7']))
