# Namespace dependencies inside a C# folder, by type names used (heuristic: type declarations and capitalised
# identifiers; a property named like a type, and member access on a variable, do not count). Prints each namespace's
# dependencies and exits 1 if any two namespaces depend on each other, directly or through others: the folders of
# Grains/ are layers a newcomer can read bottom up (Configuration first, Hosting, which only wires, last).
# Usage: python3 tests/check-namespaces.py Grains
import re,sys,os,collections
roots=sys.argv[1:]
files=[]
for r in roots:
    for d,_,fs in os.walk(r):
        if '/bin' in d or '/obj' in d: continue
        files+= [os.path.join(d,f) for f in fs if f.endswith('.cs')]
decl=collections.defaultdict(set); fns={}
strip=lambda s: re.sub(r'"(\\.|[^"\\])*"','""',re.sub(r'//.*','',s))
for f in files:
    s=open(f).read(); m=re.search(r'^namespace ([\w.]+)',s,re.M)
    if not m: continue
    ns=m.group(1); fns[f]=(ns,strip(s))
    for t in re.findall(r'\b(?:class|record|struct|interface|enum)\s+(\w+)',strip(s)): decl[t].add(ns)
deps=collections.defaultdict(set)
for f,(ns,s) in fns.items():
    # Type names used in this file: capitalised identifiers, except member accesses on a variable (options.Invariant)
    # and names this file declares as a property (a property named like a type, e.g. TwoPcOptions.RecoveryShards).
    members=set(re.findall(r'\b(\w+)\s*\{\s*get',s))
    toks={t for q,t in re.findall(r'(\b\w+\.)?\b([A-Z]\w*)\b',s) if not (q and (q[0].islower() or q[0]=='_'))}-members
    for t in toks:
        for o in decl.get(t,()):
            if o!=ns and len(decl[t])==1: deps[ns].add(o)
for ns in sorted(set(n for n,_ in fns.values())):
    print(f"{ns} -> {', '.join(sorted(deps[ns])) or '(none)'}")
# cycles
import itertools
def reach(a):
    seen=set(); st=[a]
    while st:
        x=st.pop()
        for y in deps[x]:
            if y not in seen: seen.add(y); st.append(y)
    return seen
cyc=sorted({tuple(sorted((a,b))) for a in deps for b in deps[a] if a in reach(b)})
print("cycles (pairs on a cycle):", "none" if not cyc else "; ".join(f"{a} <-> {b}" for a,b in cyc))
sys.exit(1 if cyc else 0)
