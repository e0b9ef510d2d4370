#!/usr/bin/env python3
"""Compare the schema the SQLite migrations build with the one the PostgreSQL migrations build.

Usage (from app/):

    python3 migrations_postgres/compare_schemas.py \\
        --pg-host 127.0.0.1 --pg-port 55432 --pg-user postgres [--pg-password SECRET] \\
        migrations migrations_postgres

What it does:

1. Both directories must hold the same migration file names (sqlx records version and
   description; both stores must record the same ones).
2. Applies the SQLite migrations in order to a fresh SQLite file with the `sqlite3` CLI
   (`--sqlite3` to name it), each in one transaction with foreign keys on, as sqlx does.
3. Creates a scratch PostgreSQL database (`--pg-db`, default `mailportal_schema_check_<pid>`,
   made through `--pg-maintenance-db`, default `postgres`) and applies the PostgreSQL
   migrations in order with `psql -v ON_ERROR_STOP=1 -1 -f FILE` (one transaction each).
   The scratch database is dropped at the end unless `--keep` is given.
4. Compares, table by table: the tables; each column's name, position, type class
   (integer / text / real / bool / blob), NOT NULL and default; the auto-assigned id
   (SQLite rowid alias <-> PostgreSQL identity); the primary key; unique constraints (by
   columns, and by name where SQLite names them); foreign keys with their ON DELETE /
   ON UPDATE actions; CHECK constraints; indexes by name (unique or not, columns, partial
   predicate); triggers (table, timing, event, UPDATE OF columns).
   PostgreSQL integers must be bigint (Rust decodes i64) and reals double precision.
5. Compares the rows of every table that has rows after the migrations (seeded data).
6. Runs a second pair of databases with rows written just before chosen migrations
   (DATA_BEFORE: 0018's rebuild, 0019's counting of the log kept so far) and compares every
   table's rows after all migrations. `--no-data` skips it.
7. Runs a short portable script of inserts, updates and deletes in both databases and
   compares what happens (trigger effects, cascades, constraint refusals, generated ids).
   `--no-behaviour` skips it.

Prints every difference, then a summary line, and exits 0 when there is none, 1 otherwise
(2 on a usage or setup error). Needs python3, the sqlite3 CLI and psql; no Python packages.

Matching rules worth knowing:
- Expressions (CHECKs, partial-index predicates, expression index keys) are compared by a
  fingerprint: the table's column names, literals and ordering operators they mention,
  after PostgreSQL's casts are removed. `x IN ('a','b')` and PostgreSQL's rendering
  `x = ANY (ARRAY['a'::text, 'b'::text])` therefore match.
- A primary-key column counts as NOT NULL on both sides (SQLite lets a non-integer primary
  key of a rowid table hold NULL; PostgreSQL never does).
- A SQLite rowid alias (`INTEGER PRIMARY KEY`) named `id` must be an identity column in
  PostgreSQL. One with another name (a foreign key or natural key the application always
  supplies) may be a plain BIGINT PRIMARY KEY; that is listed as a note, not a difference.
- Unnamed SQLite UNIQUE / CHECK constraints get PostgreSQL's default names; those names are
  listed as notes.
"""

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

# ---------------------------------------------------------------------------------------
# helpers


def strip_sql_comments(sql):
    """Removes -- and /* */ comments outside string literals and quoted identifiers."""
    out, i, n = [], 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"":
            j = i + 1
            while j < n:
                if sql[j] == c:
                    if j + 1 < n and sql[j + 1] == c:
                        j += 2
                        continue
                    break
                j += 1
            out.append(sql[i:j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
        elif sql.startswith("/*", i):
            j = sql.find("*/", i + 2)
            i = n if j < 0 else j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def balanced(sql, start):
    """sql[start] is '('; returns the text inside the matching ')' and the index after it."""
    depth, i, n = 0, start, len(sql)
    while i < n:
        c = sql[i]
        if c == "'":
            j = sql.find("'", i + 1)
            while j >= 0 and j + 1 < n and sql[j + 1] == "'":
                j = sql.find("'", j + 2)
            i = n if j < 0 else j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return sql[start + 1:i], i + 1
        i += 1
    raise ValueError("unbalanced parentheses in: " + sql[start:start + 80])


CAST_RE = re.compile(
    r"::\s*(?:\"[^\"]+\"|[a-z_][a-z0-9_]*(?:\s+(?:precision|varying|without\s+time\s+zone|"
    r"with\s+time\s+zone))?)(?:\(\d+(?:,\d+)?\))?(?:\[\])?",
    re.I,
)
TOKEN_RE = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|<=|>=|<>|!=|<|>|\b[A-Za-z_][A-Za-z0-9_]*\b")


def fingerprint(expr, columns):
    """Column names, literals and ordering operators an expression mentions, casts removed."""
    expr = CAST_RE.sub("", expr or "")
    out = set()
    for t in TOKEN_RE.findall(expr):
        if t.startswith("'"):
            out.add(t)
        elif t[0].isdigit():
            out.add(repr(float(t)))
        elif t in ("<", ">", "<=", ">="):
            out.add(t)
        elif t in ("<>", "!="):
            out.add("<>")
        elif t.lower() in columns:
            out.add(t.lower())
        elif t.lower() in ("not", "null", "like", "is"):
            out.add(t.upper())
    return tuple(sorted(out))


def sqlite_class(decl):
    d = (decl or "").upper()
    if "INT" in d:
        return "integer"
    if "BOOL" in d:
        return "bool"
    if "CHAR" in d or "CLOB" in d or "TEXT" in d:
        return "text"
    if "BLOB" in d or d == "":
        return "blob"
    if "REAL" in d or "FLOA" in d or "DOUB" in d:
        return "real"
    return "numeric(" + d + ")"


PG_CLASSES = {
    "bigint": "integer",
    "integer": "integer",
    "smallint": "integer",
    "text": "text",
    "character varying": "text",
    "double precision": "real",
    "real": "real",
    "boolean": "bool",
    "bytea": "blob",
}


def pg_class(fmt):
    base = re.sub(r"\(.*\)", "", fmt).strip()
    return PG_CLASSES.get(base, "other(" + fmt + ")")


def strip_parens(s):
    s = s.strip()
    while s.startswith("(") and s.endswith(")"):
        inner, end = balanced(s, 0)
        if end != len(s):
            break
        s = inner.strip()
    return s


def norm_default(value, cls):
    if value is None:
        return None
    s = strip_parens(CAST_RE.sub("", strip_parens(value)))
    low = s.lower()
    if cls == "bool":
        if low in ("true", "1", "'t'", "'true'"):
            return "TRUE"
        if low in ("false", "0", "'f'", "'false'"):
            return "FALSE"
    if cls in ("integer", "real"):
        try:
            return repr(float(s))
        except ValueError:
            pass
    if re.fullmatch(r"[a-z_]+\(.*\)", low):
        return low
    return s


def norm_value(v, cls):
    if v is None:
        return None
    if cls == "bool":
        if isinstance(v, str):
            return v.lower() in ("t", "true", "1")
        return bool(v)
    if cls == "integer":
        return int(v)
    if cls == "real":
        return float(v)
    if cls == "blob":
        if isinstance(v, (bytes, bytearray, memoryview)):
            return bytes(v).hex()
        s = str(v)
        return s[2:] if s.startswith("\\x") else s
    return str(v)


TRIGGER_RE = re.compile(
    r"\b(BEFORE|AFTER|INSTEAD\s+OF)\s+((?:INSERT|DELETE|UPDATE(?:\s+OF\s+[\w\s,\"]+?)?|TRUNCATE)"
    r"(?:\s+OR\s+(?:INSERT|DELETE|UPDATE(?:\s+OF\s+[\w\s,\"]+?)?|TRUNCATE))*)\s+ON\s+([\w.\"]+)",
    re.I,
)


def parse_trigger(sql):
    m = TRIGGER_RE.search(strip_sql_comments(sql))
    if not m:
        return ("?", "?", "?")
    timing = re.sub(r"\s+", " ", m.group(1).upper())
    events = []
    for ev in re.split(r"\s+OR\s+", m.group(2), flags=re.I):
        ev = ev.strip()
        um = re.match(r"UPDATE\s+OF\s+(.*)", ev, re.I | re.S)
        if um:
            cols = sorted(c.strip().strip('"').lower() for c in um.group(1).split(","))
            events.append("UPDATE OF " + ", ".join(cols))
        else:
            events.append(ev.upper())
    table = m.group(3).split(".")[-1].strip('"').lower()
    return (table, timing, " OR ".join(sorted(events)))


# ---------------------------------------------------------------------------------------
# SQLite side


def build_sqlite(sqlite3_cli, directory, files, path, before=None):
    for f in files:
        with open(os.path.join(directory, f), encoding="utf-8") as fh:
            body = fh.read()
        script = ""
        if before and f in before:
            script = "PRAGMA foreign_keys = ON;\nBEGIN;\n" + before[f] + "\nCOMMIT;\n"
        script += "PRAGMA foreign_keys = ON;\nBEGIN;\n" + body + "\n;\nCOMMIT;\n"
        r = subprocess.run([sqlite3_cli, "-bail", path], input=script, text=True,
                           capture_output=True)
        if r.returncode != 0 or r.stderr.strip():
            raise SystemExit("sqlite3 failed on %s:\n%s" % (f, r.stderr))


def read_sqlite(path):
    con = sqlite3.connect(path)
    con.execute("PRAGMA foreign_keys = ON")
    q = lambda sql, *a: con.execute(sql, a).fetchall()
    schema = {"tables": {}, "triggers": {}, "notes": [], "collations": []}
    master = {(r[0], r[1]): r[2] for r in q("SELECT type, name, sql FROM sqlite_master")}
    for _schema, name, typ, _ncol, wr, _strict in q("PRAGMA table_list"):
        if _schema != "main" or typ != "table" or name.startswith("sqlite_"):
            continue
        sql = strip_sql_comments(master.get(("table", name)) or "")
        if re.search(r"\bCOLLATE\b", sql, re.I):
            schema["collations"].append(name)
        info = q("PRAGMA table_info(%s)" % qi(name))
        colnames = {r[1].lower() for r in info}
        pk = [r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5])]
        cols = []
        for cid, cname, decl, notnull, dflt, pkpos in info:
            cls = sqlite_class(decl)
            rowid_alias = (not wr and len(pk) == 1 and pkpos == 1 and (decl or "").upper() == "INTEGER")
            cols.append({
                "name": cname, "decl": decl, "cls": cls,
                "notnull": bool(notnull) or bool(pkpos),
                "default": norm_default(dflt, cls),
                "auto": rowid_alias,
            })
        uniques, indexes = {}, {}
        for _seq, iname, unique, origin, partial in q("PRAGMA index_list(%s)" % qi(name)):
            xinfo = [r for r in q("PRAGMA index_xinfo(%s)" % qi(iname)) if r[5]]
            keys = tuple(r[2] if r[1] >= 0 else None for r in xinfo)
            if origin == "pk":
                continue
            if origin == "u":
                uniques[keys] = None
                continue
            isql = strip_sql_comments(master.get(("index", iname)) or "")
            if re.search(r"\bCOLLATE\b", isql, re.I):
                schema["collations"].append(iname)
            on = re.search(r"\bON\s+[\w\"]+\s*\(", isql, re.I)
            keytext, after = balanced(isql, on.end() - 1)
            where = re.search(r"\bWHERE\b(.*)$", isql[after:], re.I | re.S)
            indexes[iname] = {
                "unique": bool(unique),
                "cols": keys,
                "keys_fp": fingerprint(keytext, colnames),
                "pred_fp": fingerprint(where.group(1), colnames) if where else None,
            }
        # Names and CHECKs come from the CREATE TABLE text (SQLite keeps no catalog of them).
        named_unique = {}
        for m in re.finditer(r"\bCONSTRAINT\s+(\w+)\s+UNIQUE\s*\(([^)]*)\)", sql, re.I):
            named_unique[tuple(c.strip().strip('"') for c in m.group(2).split(","))] = m.group(1)
        for k in uniques:
            uniques[k] = named_unique.get(k)
        checks = []
        for m in re.finditer(r"(?:\bCONSTRAINT\s+(\w+)\s+)?\bCHECK\s*\(", sql, re.I):
            body, _ = balanced(sql, m.end() - 1)
            checks.append({"name": m.group(1), "fp": fingerprint(body, colnames), "text": body})
        fks = set()
        groups = {}
        for fid, seq, rtable, frm, to, on_upd, on_del, _match in q("PRAGMA foreign_key_list(%s)" % qi(name)):
            groups.setdefault(fid, []).append((seq, rtable, frm, to, on_upd, on_del))
        for rows in groups.values():
            rows.sort()
            rtable = rows[0][1]
            to = [r[3] for r in rows]
            if any(t is None for t in to):
                rinfo = q("PRAGMA table_info(%s)" % qi(rtable))
                to = [r[1] for r in sorted((r for r in rinfo if r[5]), key=lambda r: r[5])]
            fks.add((tuple(r[2] for r in rows), rtable.lower(), tuple(to), rows[0][5].upper(), rows[0][4].upper()))
        schema["tables"][name] = {
            "cols": cols, "pk": pk, "uniques": uniques, "indexes": indexes,
            "checks": checks, "fks": fks,
        }
    for (typ, name), sql in master.items():
        if typ == "trigger":
            schema["triggers"][name] = parse_trigger(sql)
    rows = {}
    for t, tab in schema["tables"].items():
        data = q("SELECT * FROM %s" % qi(t))
        if data:
            rows[t] = sorted((tuple(norm_value(v, c["cls"]) for v, c in zip(r, tab["cols"])) for r in data), key=repr)
    schema["rows"] = rows
    con.close()
    return schema


def qi(name):
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------
# PostgreSQL side


NULL_MARK = "\x02NULL\x03"


class Pg:
    def __init__(self, args, db):
        self.base = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                     "-h", args.pg_host, "-p", str(args.pg_port), "-U", args.pg_user]
        self.db = db
        self.env = dict(os.environ)
        if args.pg_password is not None:
            self.env["PGPASSWORD"] = args.pg_password

    def run(self, sql=None, db=None, file=None, single_tx=False, check=True):
        cmd = self.base + ["-d", db or self.db]
        if single_tx:
            cmd.append("-1")
        if file:
            cmd += ["-f", file]
        r = subprocess.run(cmd, input=sql if sql is not None else "", text=True,
                           capture_output=True, env=self.env)
        if check and r.returncode != 0:
            raise SystemExit("psql failed (%s):\n%s" % (file or sql[:200], r.stderr))
        return r

    def run_rows(self, sql):
        """Rows of one statement as lists of text (NULL as NULL_MARK); None when refused."""
        cmd = self.base + ["-d", self.db, "-F", "\x1f", "-P", "null=" + NULL_MARK, "-c", sql]
        r = subprocess.run(cmd, text=True, capture_output=True, env=self.env)
        if r.returncode != 0:
            return None
        return [line.split("\x1f") for line in r.stdout.split("\n") if line]

    def json(self, sql):
        out = self.run("SELECT coalesce(json_agg(q), '[]') FROM (%s) q;" % sql).stdout
        return json.loads(out)


PG_COLUMNS = """
SELECT c.relname AS tbl, a.attnum AS pos, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
       a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS dflt, a.attidentity AS ident
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = '{schema}' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY c.relname, a.attnum
"""

PG_CONSTRAINTS = """
SELECT con.conname AS name, c.relname AS tbl, con.contype AS type,
       (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num) AS cols,
       fc.relname AS reftable,
       (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
          JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num) AS refcols,
       con.confdeltype AS on_delete, con.confupdtype AS on_update,
       pg_get_constraintdef(con.oid) AS def
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = '{schema}'
"""

PG_INDEXES = """
SELECT i.relname AS name, c.relname AS tbl, ix.indisunique AS uniq,
       (SELECT array_agg(a.attname ORDER BY k.ord)
          FROM unnest((ix.indkey::int2[])[0:ix.indnkeyatts - 1]) WITH ORDINALITY k(num, ord)
          LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num) AS cols,
       pg_get_expr(ix.indpred, ix.indrelid) AS pred,
       pg_get_indexdef(ix.indexrelid) AS def,
       (SELECT con.contype FROM pg_constraint con
         WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
           AND con.contype IN ('p', 'u', 'x')) AS contype
FROM pg_index ix
JOIN pg_class i ON i.oid = ix.indexrelid
JOIN pg_class c ON c.oid = ix.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = '{schema}'
"""

PG_TRIGGERS = """
SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS def
FROM pg_trigger t
JOIN pg_class c ON c.oid = t.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = '{schema}' AND NOT t.tgisinternal
"""

FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def index_key_text(defn):
    """The key list of a pg_get_indexdef() text: what is inside `USING method (...)`."""
    m = re.search(r"\bUSING\s+\w+\s*\(", defn)
    body, _ = balanced(defn, m.end() - 1)
    return body


def read_pg(pg, schema_name):
    schema = {"tables": {}, "triggers": {}, "notes": [], "types": []}
    for c in pg.json(PG_COLUMNS.format(schema=schema_name)):
        t = schema["tables"].setdefault(c["tbl"], {
            "cols": [], "pk": [], "uniques": {}, "indexes": {}, "checks": [], "fks": set(),
        })
        cls = pg_class(c["type"])
        t["cols"].append({
            "name": c["name"], "decl": c["type"], "cls": cls, "notnull": c["notnull"],
            "default": norm_default(c["dflt"], cls), "auto": c["ident"] in ("a", "d"),
            "ident": c["ident"],
        })
    colsets = {t: {c["name"].lower() for c in v["cols"]} for t, v in schema["tables"].items()}
    for con in pg.json(PG_CONSTRAINTS.format(schema=schema_name)):
        t = schema["tables"].get(con["tbl"])
        if t is None:
            continue
        if con["type"] == "p":
            t["pk"] = con["cols"]
        elif con["type"] == "u":
            t["uniques"][tuple(con["cols"])] = con["name"]
        elif con["type"] == "f":
            t["fks"].add((tuple(con["cols"]), con["reftable"].lower(), tuple(con["refcols"]),
                          FK_ACTIONS[con["on_delete"]], FK_ACTIONS[con["on_update"]]))
        elif con["type"] == "c":
            body = re.sub(r"^CHECK\s*", "", con["def"])
            t["checks"].append({"name": con["name"], "fp": fingerprint(body, colsets[con["tbl"]]),
                                "text": body})
    for ix in pg.json(PG_INDEXES.format(schema=schema_name)):
        t = schema["tables"].get(ix["tbl"])
        if t is None or ix["contype"] is not None:
            continue  # backs a primary key or unique constraint: compared as such
        cols = colsets[ix["tbl"]]
        t["indexes"][ix["name"]] = {
            "unique": ix["uniq"],
            "cols": tuple(ix["cols"]),
            "keys_fp": fingerprint(index_key_text(ix["def"]), cols),
            "pred_fp": fingerprint(ix["pred"], cols) if ix["pred"] else None,
        }
    for tr in pg.json(PG_TRIGGERS.format(schema=schema_name)):
        schema["triggers"][tr["name"]] = parse_trigger(tr["def"])
    rows = {}
    for name, tab in schema["tables"].items():
        data = pg.json("SELECT * FROM %s.%s" % (qi(schema_name), qi(name)))
        if data:
            rows[name] = sorted((tuple(norm_value(r[c["name"]], c["cls"]) for c in tab["cols"]) for r in data),
                                key=repr)
    schema["rows"] = rows
    return schema


# ---------------------------------------------------------------------------------------
# comparison


def compare(lite, pg, diffs, notes):
    lt, pt = lite["tables"], pg["tables"]
    for t in sorted(set(lt) - set(pt)):
        diffs.append("table %s: only in SQLite" % t)
    for t in sorted(set(pt) - set(lt)):
        diffs.append("table %s: only in PostgreSQL" % t)
    for t in sorted(set(lt) & set(pt)):
        a, b = lt[t], pt[t]
        an = [c["name"] for c in a["cols"]]
        bn = [c["name"] for c in b["cols"]]
        for c in an:
            if c not in bn:
                diffs.append("%s.%s: column only in SQLite" % (t, c))
        for c in bn:
            if c not in an:
                diffs.append("%s.%s: column only in PostgreSQL" % (t, c))
        common = [c for c in an if c in bn]
        if common != [c for c in bn if c in an]:
            diffs.append("%s: column order differs: SQLite %s, PostgreSQL %s" % (t, an, bn))
        bcols = {c["name"]: c for c in b["cols"]}
        for ac in a["cols"]:
            bc = bcols.get(ac["name"])
            if bc is None:
                continue
            where = "%s.%s" % (t, ac["name"])
            if ac["cls"] != bc["cls"]:
                diffs.append("%s: type %s (%s) in SQLite, %s (%s) in PostgreSQL"
                             % (where, ac["decl"], ac["cls"], bc["decl"], bc["cls"]))
            if bc["cls"] == "integer" and bc["decl"] != "bigint":
                diffs.append("%s: PostgreSQL type %s, must be bigint (decoded as i64)" % (where, bc["decl"]))
            if bc["cls"] == "real" and bc["decl"] != "double precision":
                diffs.append("%s: PostgreSQL type %s, must be double precision (decoded as f64)" % (where, bc["decl"]))
            if ac["notnull"] != bc["notnull"]:
                diffs.append("%s: NOT NULL %s in SQLite, %s in PostgreSQL" % (where, ac["notnull"], bc["notnull"]))
            if ac["default"] != bc["default"]:
                diffs.append("%s: default %r in SQLite, %r in PostgreSQL" % (where, ac["default"], bc["default"]))
            if ac["auto"] and not bc["auto"]:
                if ac["name"] == "id":
                    diffs.append("%s: SQLite assigns it (rowid alias); PostgreSQL has no identity" % where)
                else:
                    notes.append("%s: SQLite rowid alias, plain BIGINT PRIMARY KEY in PostgreSQL "
                                 "(the application supplies it)" % where)
            if bc["auto"] and not ac["auto"]:
                diffs.append("%s: identity in PostgreSQL, not auto-assigned in SQLite" % where)
            if bc.get("ident") == "a":
                diffs.append("%s: GENERATED ALWAYS refuses explicit ids; use BY DEFAULT" % where)
        if list(a["pk"]) != list(b["pk"]):
            diffs.append("%s: primary key %s in SQLite, %s in PostgreSQL" % (t, a["pk"], b["pk"]))
        for k, name in a["uniques"].items():
            if k not in b["uniques"]:
                diffs.append("%s: UNIQUE %s missing in PostgreSQL" % (t, list(k)))
            elif name and name != b["uniques"][k]:
                diffs.append("%s: UNIQUE %s named %s in SQLite, %s in PostgreSQL" % (t, list(k), name, b["uniques"][k]))
            elif not name:
                notes.append("%s: unnamed UNIQUE %s is %s in PostgreSQL" % (t, list(k), b["uniques"][k]))
        for k in b["uniques"]:
            if k not in a["uniques"]:
                diffs.append("%s: UNIQUE %s (%s) only in PostgreSQL" % (t, list(k), b["uniques"][k]))
        for fk in sorted(a["fks"] - b["fks"]):
            diffs.append("%s: foreign key %s only in SQLite" % (t, fk))
        for fk in sorted(b["fks"] - a["fks"]):
            diffs.append("%s: foreign key %s only in PostgreSQL" % (t, fk))
        bchecks = list(b["checks"])
        for ch in a["checks"]:
            match = next((x for x in bchecks if x["fp"] == ch["fp"]), None)
            if match is None:
                diffs.append("%s: CHECK (%s) missing in PostgreSQL" % (t, ch["text"].strip()))
                continue
            bchecks.remove(match)
            if ch["name"] and ch["name"] != match["name"]:
                diffs.append("%s: CHECK named %s in SQLite, %s in PostgreSQL" % (t, ch["name"], match["name"]))
            elif not ch["name"]:
                notes.append("%s: unnamed CHECK (%s) is %s in PostgreSQL" % (t, ch["text"].strip(), match["name"]))
        for ch in bchecks:
            diffs.append("%s: %s %s only in PostgreSQL" % (t, ch["name"], ch["text"]))
        for iname in sorted(set(a["indexes"]) | set(b["indexes"])):
            ai, bi = a["indexes"].get(iname), b["indexes"].get(iname)
            if ai is None:
                diffs.append("%s: index %s only in PostgreSQL" % (t, iname))
            elif bi is None:
                diffs.append("%s: index %s only in SQLite" % (t, iname))
            else:
                for key in ("unique", "cols", "keys_fp", "pred_fp"):
                    if ai[key] != bi[key]:
                        diffs.append("%s: index %s: %s %r in SQLite, %r in PostgreSQL"
                                     % (t, iname, key, ai[key], bi[key]))
    ltr, ptr = lite["triggers"], pg["triggers"]
    for name in sorted(set(ltr) | set(ptr)):
        if name not in ptr:
            diffs.append("trigger %s %s: only in SQLite" % (name, ltr[name]))
        elif name not in ltr:
            diffs.append("trigger %s %s: only in PostgreSQL" % (name, ptr[name]))
        elif ltr[name] != ptr[name]:
            diffs.append("trigger %s: %s in SQLite, %s in PostgreSQL" % (name, ltr[name], ptr[name]))
    for name in lite["collations"]:
        diffs.append("%s: uses COLLATE (no PostgreSQL equivalent without extensions)" % name)
    lr, pr = lite["rows"], pg["rows"]
    for t in sorted(set(lr) | set(pr)):
        if lr.get(t) != pr.get(t):
            diffs.append("rows of %s: SQLite %r, PostgreSQL %r" % (t, lr.get(t), pr.get(t)))
    return sorted(lr)


# ---------------------------------------------------------------------------------------
# data migrations: rows written just before a migration (portable SQL, keyed by the file it
# precedes) in a second pair of databases; after all migrations every table's rows must
# agree. Covers 0018's rebuild of mail_queue and 0019's counting of the existing log.

DATA_BEFORE = {
    "0018_lmtp_queue.sql": """
INSERT INTO domains (id, name, created_at) VALUES (10, 'one.example', 0);
INSERT INTO domains (id, name, created_at) VALUES (11, 'two.example', 0);
INSERT INTO domains (id, name, created_at, kind, alias_of) VALUES (12, 'alias-of-one.example', 0, 'alias', 10);
INSERT INTO mail_queue (id, queue_id, sender, recipient, domain_id, via, destination, created_at,
    expires_at, next_attempt_at, attempts, last_error, claimed_until)
VALUES (5, 'Q5', 's@x.example', 'r@one.example', 10, 'sdr', 'mx.one.example:25', 1, 2, 3, 4, 'e', 6);
INSERT INTO mail_queue (id, queue_id, sender, recipient, domain_id, via, destination, created_at,
    expires_at, next_attempt_at, attempts, last_error, claimed_until)
VALUES (6, 'Q6', '', 'r@else.example', NULL, 'mx', NULL, 1, 2, 3, 0, NULL, 0);
""",
    "0019_mail_stats.sql": "".join(
        "INSERT INTO mail_log (id, at, queue_id, client_ip, helo, sender, from_header, subject, size, "
        "verdict, reply, evidence) VALUES (%d, %d, 'Q%d', '192.0.2.1', 'h', 's@x.example', 'f', 's', %d, "
        "'%s', '250', '[]');\n" % (i, at, i, size, verdict)
        for i, at, size, verdict in [
            (1, 18010, 100, "delivered"), (2, 18020, 200, "delivered"), (3, 18030, 50, "delivered"),
            (4, 21600, 70, "rejected"), (5, 21605, 80, "rejected"), (6, 21606, 90, "rejected"),
            (7, 25200, 10, "queued"), (8, 25300, 15, "delivered"), (9, 28800, 20, "delivered"),
        ]
    ) + "".join(
        "INSERT INTO mail_log_recipients (log_id, address, domain_id, accepted) VALUES (%d, '%s', %s, %s);\n"
        % r for r in [
            (1, "a@one.example", "10", "TRUE"),      # by domain_id
            (2, "b@one.example", "10", "TRUE"),      # same hour and verdict: counted together
            (2, "c@one.example", "10", "FALSE"),
            (3, "a@alias-of-one.example", "12", "TRUE"),   # domain alias: its main domain
            (4, "a@two.example", "NULL", "FALSE"),   # no domain_id: by the address's domain
            (5, "a@else.example", "NULL", "FALSE"),  # no domain of ours: 0
            (6, "z@alias-of-one.example", "NULL", "TRUE"),  # by name, then its main domain
            (6, "a@two.example", "NULL", "TRUE"),    # first in address order wins
            (8, "b@two.example", "11", "TRUE"),
            (8, "a@one.example", "10", "TRUE"),      # first in address order wins
            (9, "z@alias-of-one.example", "NULL", "TRUE"),  # by name, then its main domain
        ]
    ),
}


def run_data_pass(args, pg_admin, lfiles, pfiles, workdir, diffs):
    """Second pair of databases with DATA_BEFORE rows; returns the tables compared."""
    path = os.path.join(workdir, "data.db")
    build_sqlite(args.sqlite3, args.sqlite_dir, lfiles, path, DATA_BEFORE)
    lite = read_sqlite(path)
    db = args.pg_db + "_data"
    pg = Pg(args, db)
    pg.run('DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;' % (qi(db), qi(db)), db=args.pg_maintenance_db)
    try:
        for f in pfiles:
            if f in DATA_BEFORE:
                pg.run("BEGIN;\n" + DATA_BEFORE[f] + "\nCOMMIT;\n")
            pg.run(file=os.path.join(args.postgres_dir, f), single_tx=True)
        pgs = read_pg(pg, args.pg_schema)
    finally:
        if not args.keep:
            pg.run("DROP DATABASE IF EXISTS %s;" % qi(db), db=args.pg_maintenance_db, check=False)
            os.remove(path)
    lr, pr = lite["rows"], pgs["rows"]
    for t in sorted(set(lr) | set(pr)):
        if lr.get(t) != pr.get(t):
            diffs.append("data pass, rows of %s:\n    SQLite %r\n    PostgreSQL %r" % (t, lr.get(t), pr.get(t)))
    if args.verbose:
        for t in sorted(lr):
            print("data pass %s: %r" % (t, lr[t]))
    return sorted(set(lr) | set(pr))


# ---------------------------------------------------------------------------------------
# behaviour: the same statements on both; what each does (rows read, or refused) must agree.
# {blob} is a one-byte blob literal, spelt per dialect.

BEHAVIOUR = [
    "INSERT INTO domains (name, created_at) VALUES ('example.org', 0)",
    "INSERT INTO domains (name, created_at) VALUES ('alias.example', 0)",
    "SELECT id, name FROM domains ORDER BY id",
    "INSERT INTO domains (name, created_at) VALUES ('example.org', 1)",
    "UPDATE domains SET kind = 'alias', alias_of = 1 WHERE name = 'alias.example'",
    "UPDATE domains SET kind = 'mirror' WHERE id = 1",
    "INSERT INTO accounts (email, role, domain_id, password_hash, password_changed_at, created_at) "
    "VALUES ('a@example.org', 'mailuser', 1, 'h', 0, 0)",
    "SELECT id, auth_version, CASE WHEN enabled THEN 1 ELSE 0 END, CASE WHEN mail_access THEN 1 ELSE 0 END, "
    "CASE WHEN password_sign_in THEN 1 ELSE 0 END, CASE WHEN digest_opt_out THEN 1 ELSE 0 END, "
    "display_name, quota_bytes FROM accounts",
    "INSERT INTO accounts (email, role, password_hash, password_changed_at, created_at) "
    "VALUES ('b@example.org', 'root', 'h', 0, 0)",
    "UPDATE accounts SET password_hash = 'h2' WHERE id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE accounts SET display_name = 'A', quota_bytes = 5 WHERE id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE accounts SET enabled = enabled WHERE id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE accounts SET mail_access = FALSE, role = 'domainadmin', email = 'a@example.org' WHERE id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE accounts SET password_sign_in = FALSE WHERE id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "INSERT INTO totp_factors (account_id, secret_sealed, created_at) VALUES (1, {blob}, 0)",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE totp_factors SET failures = 3 WHERE account_id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "UPDATE totp_factors SET enabled_at = 7 WHERE account_id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "INSERT INTO totp_factors (account_id, secret_sealed, created_at) VALUES (1, {blob}, 9) "
    "ON CONFLICT (account_id) DO UPDATE SET secret_sealed = excluded.secret_sealed, "
    "created_at = excluded.created_at, last_step = NULL, failures = 0, locked_at = NULL",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "INSERT INTO totp_factors (account_id, secret_sealed, created_at) VALUES (1, {blob}, 9) "
    "ON CONFLICT (account_id) DO UPDATE SET enabled_at = NULL",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "DELETE FROM totp_factors WHERE account_id = 1",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "INSERT INTO passkeys (account_id, credential_id, name, passkey, created_at) VALUES (1, {blob}, 'k', '{{}}', 0)",
    "INSERT INTO passkeys (account_id, credential_id, name, passkey, created_at) VALUES (1, {blob}, 'k2', '{{}}', 0)",
    "INSERT INTO passkeys (account_id, credential_id, name, passkey, created_at) VALUES (1, {blob2}, 'k2', '{{}}', 0)",
    "UPDATE passkeys SET last_used_at = 3",
    "SELECT a.auth_version, p.name, p.last_used_at FROM accounts a JOIN passkeys p ON p.account_id = a.id ORDER BY p.name",
    "DELETE FROM passkeys",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "INSERT INTO device_passwords (account_id, name, secret_mac, protocols, created_at) VALUES (1, 'p', 'm', 'imap', 0)",
    "DELETE FROM device_passwords",
    "SELECT auth_version FROM accounts WHERE id = 1",
    "DELETE FROM domains WHERE id = 1",
    "INSERT INTO aliases (domain_id, address, created_at) VALUES (999, 'x@example.org', 0)",
    "INSERT INTO mail_queue (queue_id, sender, recipient, via, created_at, expires_at, next_attempt_at) "
    "VALUES ('q1', 's', 'r', 'lmtp', 0, 0, 0)",
    "INSERT INTO mail_queue (queue_id, sender, recipient, via, created_at, expires_at, next_attempt_at) "
    "VALUES ('q2', 's', 'r', 'smtp', 0, 0, 0)",
    "SELECT id, queue_id, via, attempts, claimed_until FROM mail_queue",
    "INSERT INTO mail_stats (domain_id, hour, verdict, messages, bytes) VALUES (2, 3600, 'delivered', 1, 10)",
    "INSERT INTO mail_stats (domain_id, hour, verdict, messages, bytes) VALUES (0, 3600, 'rejected', 1, 10)",
    "INSERT INTO sender_list_entries (domain_id, list, kind, pattern, added_by, created_at) "
    "VALUES (NULL, 'whitelist', 'domain', 'spam.example', 'x', 0)",
    "INSERT INTO sender_list_entries (domain_id, list, kind, pattern, added_by, created_at) "
    "VALUES (NULL, 'blacklist', 'domain', 'spam.example', 'x', 0)",
    "INSERT INTO sender_list_entries (domain_id, list, kind, pattern, added_by, created_at) "
    "VALUES (2, 'blacklist', 'domain', 'spam.example', 'x', 0)",
    # Not the ids: a refused insert uses up an identity value in PostgreSQL, while SQLite
    # takes max(id) + 1; neither promises gapless ids.
    "SELECT domain_id, list, description, hits FROM sender_list_entries ORDER BY list DESC",
    "DELETE FROM domains WHERE name = 'alias.example'",
    "SELECT domain_id, hour, verdict FROM mail_stats ORDER BY domain_id",
    "SELECT count(*) FROM sender_list_entries",
    "INSERT INTO antispam_global (spam_defer, spam_tag, spam_reject) VALUES (1, 2, 3)",
    "INSERT INTO bayes_tokens (token, spam) VALUES (-9223372036854775808, 1)",
    "INSERT INTO bayes_tokens (token, spam) VALUES (5, -1)",
    "SELECT token, spam, ham FROM bayes_tokens",
    "INSERT INTO login_events (at, account_id, email, ip, protocol, result, user_agent) "
    "VALUES (1, 1, 'a@example.org', '::1', 'web', 'success', 'ua')",
    "INSERT INTO quarantine (queue_id, at, expires_at, sender, from_header, subject, score, reason, size) "
    "VALUES ('q1', 0, 0, '', '', '', 5, 'spam', 1)",
    "INSERT INTO quarantine (queue_id, at, expires_at, sender, from_header, subject, reason, size) "
    "VALUES ('q1', 0, 0, '', '', '', 'spam', 1)",
    "SELECT id, score, CASE WHEN spf_failed THEN 1 ELSE 0 END FROM quarantine",
    "DELETE FROM accounts WHERE id = 1",
    "SELECT id, account_id, detail, credential, country FROM login_events",
    "SELECT count(*) FROM accounts",
]


def run_behaviour(sqlite_path, pg, diffs, verbose=False):
    con = sqlite3.connect(sqlite_path, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    for n, stmt in enumerate(BEHAVIOUR, 1):
        ls = stmt.format(blob="X'01'", blob2="X'02'")
        ps = stmt.format(blob="'\\x01'::bytea", blob2="'\\x02'::bytea")
        try:
            cur = con.execute(ls)
            rows = cur.fetchall()
            lres = [tuple(scalar(v) for v in r) for r in rows] if cur.description else "ok"
        except sqlite3.Error:
            lres = "refused"
        r = pg.run_rows(ps)
        if r is None:
            pres = "refused"
        elif stmt.lstrip().upper().startswith("SELECT"):
            pres = [tuple(scalar(v) for v in row) for row in r]
        else:
            pres = "ok"
        if verbose:
            print("step %d: %s\n    -> %r" % (n, ls, lres if lres == pres else (lres, pres)))
        if lres != pres:
            diffs.append("behaviour step %d: %s\n    SQLite: %r\n    PostgreSQL: %r" % (n, ls, lres, pres))
    con.close()


def scalar(v):
    """One value as both sides can agree on it: psql gives text, sqlite3 gives Python values."""
    if v is None or v == NULL_MARK:
        return None
    if isinstance(v, (bytes, memoryview)):
        return bytes(v).hex()
    s = str(v)
    if re.fullmatch(r"-?\d+", s):
        return int(s)
    if re.fullmatch(r"-?\d+\.\d*(?:e[-+]?\d+)?", s, re.I):
        f = float(s)
        return int(f) if f.is_integer() else f
    return s


# ---------------------------------------------------------------------------------------


def main():
    p = argparse.ArgumentParser(description="Compare SQLite and PostgreSQL migration sets.",
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    p.add_argument("sqlite_dir")
    p.add_argument("postgres_dir")
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", default=os.environ.get("PGPORT", "5432"))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--pg-password", default=None, help="else PGPASSWORD / ~/.pgpass / trust")
    p.add_argument("--pg-maintenance-db", default="postgres",
                   help="database to connect to for CREATE/DROP DATABASE")
    p.add_argument("--pg-db", default="mailportal_schema_check_%d" % os.getpid(),
                   help="scratch database (created, then dropped)")
    p.add_argument("--pg-schema", default="public")
    p.add_argument("--sqlite3", default="sqlite3", help="the sqlite3 CLI")
    p.add_argument("--keep", action="store_true", help="keep the scratch database and SQLite file")
    p.add_argument("--no-behaviour", action="store_true", help="skip the behaviour script")
    p.add_argument("--no-data", action="store_true", help="skip the data-migration pass")
    p.add_argument("--verbose", action="store_true", help="print each behaviour step's outcome")
    args = p.parse_args()

    diffs, notes = [], []
    lfiles = sorted(f for f in os.listdir(args.sqlite_dir) if f.endswith(".sql"))
    pfiles = sorted(f for f in os.listdir(args.postgres_dir) if f.endswith(".sql"))
    for f in sorted(set(lfiles) ^ set(pfiles)):
        diffs.append("migration %s: only in %s" % (f, args.sqlite_dir if f in lfiles else args.postgres_dir))
    if not lfiles:
        print("no migrations in " + args.sqlite_dir)
        return 2

    workdir = tempfile.mkdtemp(prefix="compare_schemas_")
    sqlite_path = os.path.join(workdir, "sqlite.db")
    build_sqlite(args.sqlite3, args.sqlite_dir, lfiles, sqlite_path)
    lite = read_sqlite(sqlite_path)

    pg = Pg(args, args.pg_db)
    pg.run('DROP DATABASE IF EXISTS %s;\nCREATE DATABASE %s;' % (qi(args.pg_db), qi(args.pg_db)),
           db=args.pg_maintenance_db)
    try:
        for f in pfiles:
            pg.run(file=os.path.join(args.postgres_dir, f), single_tx=True)
        pgs = read_pg(pg, args.pg_schema)
        seeded = compare(lite, pgs, diffs, notes)
        if not args.no_behaviour:
            run_behaviour(sqlite_path, pg, diffs, args.verbose)
        data_tables = [] if args.no_data else run_data_pass(args, pg, lfiles, pfiles, workdir, diffs)
    finally:
        if not args.keep:
            pg.run("DROP DATABASE IF EXISTS %s;" % qi(args.pg_db), db=args.pg_maintenance_db, check=False)
            os.remove(sqlite_path)
            if os.path.exists(os.path.join(workdir, "data.db")):
                os.remove(os.path.join(workdir, "data.db"))
            os.rmdir(workdir)

    print("migrations: %d SQLite, %d PostgreSQL" % (len(lfiles), len(pfiles)))
    print("tables: %d SQLite, %d PostgreSQL; triggers: %d SQLite, %d PostgreSQL"
          % (len(lite["tables"]), len(pgs["tables"]), len(lite["triggers"]), len(pgs["triggers"])))
    print("tables with seeded rows: %s" % (", ".join(seeded) or "none"))
    if not args.no_behaviour:
        print("behaviour steps: %d" % len(BEHAVIOUR))
    if not args.no_data:
        print("data pass (rows written before %s), tables compared: %s"
              % (", ".join(sorted(DATA_BEFORE)), ", ".join(data_tables)))
    if args.keep:
        print("kept: SQLite %s, PostgreSQL database %s" % (sqlite_path, args.pg_db))
    for n in notes:
        print("note: " + n)
    for d in diffs:
        print("DIFFERENCE: " + d)
    print("%d difference(s)" % len(diffs) if diffs else "no differences")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
