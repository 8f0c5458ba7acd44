#!/bin/sh
# The man pages: clean under mandoc -Tlint, and naming everything the code
# has.  Read from the source, so that nothing needs updating here when
# something is added:
#
#   options   every getopt() option string in tund/tund.c; each letter must
#             be in tund.8's SYNOPSIS as Fl and have an ".It Fl x" entry
#   commands  every strcmp(argv[N], "name") in tund/tund.c; each must be in
#             the SYNOPSIS as Cm and have an ".It Cm name" entry
#   signals   the signals tund.c handles: case labels, evsignal/signal
#             calls (not those set to SIG_IGN or SIG_DFL) and array
#             initializers; each must be named on an .It line in SIGNALS
#   sections  the names the section-header parser of tund/conf.c compares
#             with strcasecmp (the function that says "unknown section");
#             each must be in tund.conf.5 as [Name] and in a .Sh/.Ss heading
#   keys      every { "Name", SECTION, ... } entry of a "struct keyword"
#             table in tund/conf.c; each must have an ".It Ic Name" entry
#             (case-insensitive, several keys per entry allowed) under the
#             heading that names its section
#
# TUND_MAN8 and TUND_MAN5 name other pages to check instead.
. "$(dirname "$0")/../lib.sh"

MAN8=${TUND_MAN8:-$TOP/man/tund.8}
MAN5=${TUND_MAN5:-$TOP/man/tund.conf.5}
MAIN_C=$TOP/tund/tund.c
CONF_C=$TOP/tund/conf.c

# --- mandoc -Tlint -------------------------------------------------------

for m in "$MAN8" "$MAN5"; do
	n=man_lint_$(basename "$m")
	if ! command -v mandoc >/dev/null 2>&1; then
		skip "$n: mandoc not installed"
		continue
	fi
	if mandoc -Tlint -W warning "$m" >"$W/lint" 2>&1 && ! [ -s "$W/lint" ]
	then pass "$n"
	else fail "$n: $(head -5 "$W/lint" | tr '\n' ' ')"
	fi
done

# --- Reading the source --------------------------------------------------

# uncomment FILE: C source without its comments, lines kept in place.
uncomment() {
	awk '{
		line = $0; out = ""; n = length(line); i = 1; instr = 0
		while (i <= n) {
			c = substr(line, i, 1); d = substr(line, i, 2)
			if (incom) {
				if (d == "*/") { incom = 0; i += 2; out = out " " }
				else i++
				continue
			}
			if (instr) {
				out = out c
				if (c == "\\") { out = out substr(line, i + 1, 1); i += 2; continue }
				if (c == q) instr = 0
				i++; continue
			}
			if (d == "/*") { incom = 1; i += 2; continue }
			if (d == "//") break
			if (c == "\"" || c == "\047") { instr = 1; q = c }
			out = out c; i++
		}
		print out
	}' "$1"
}

for f in "$MAIN_C" "$CONF_C" "$MAN8" "$MAN5"; do
	[ -r "$f" ] || { fail "man_sources: cannot read $f"; exit 0; }
done
uncomment "$MAIN_C" >"$W/main.c"
uncomment "$CONF_C" >"$W/conf.c"

# What tund.c has, one "kind<TAB>name" a line: opt, cmd, sig.
awk '
	{ text = text " " $0 }
	# Handled signals: case labels, arguments of the calls that set a
	# handler, and array initializers (a list handed to evsignal_new).
	/case[ \t]+SIG[A-Z0-9]+[ \t]*:/ ||
	(/(evsignal_new|evsignal_set|evsignal_assign|signal|sigaction)[ \t]*\(/ &&
	    !/SIG_IGN|SIG_DFL/) || /\][ \t]*=[ \t]*\{.*SIG[A-Z0-9]/ {
		s = $0
		while (match(s, /SIG[A-Z0-9]+/)) {
			print "sig\t" substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
		}
	}
	END {
		# Every getopt() option string, wherever the call is wrapped.
		s = text
		while (match(s, /getopt[ \t]*\([^;"]*"[^"]*"/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			sub(/^[^"]*"/, "", t); sub(/"$/, "", t)
			sub(/^[+-]/, "", t); gsub(/:/, "", t)
			for (i = 1; i <= length(t); i++)
				print "opt\t" substr(t, i, 1)
			nopt++
		}
		if (!nopt) print "error\tno getopt() option string"
		# Commands: strcmp(argv[...], "name").
		s = text; ncmd = 0
		while (match(s, /str(case)?cmp[ \t]*\([ \t]*argv[ \t]*\[[^]]*\][ \t]*,[ \t]*"[^"]+"/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			sub(/^[^"]*"/, "", t); sub(/"$/, "", t)
			print "cmd\t" t; ncmd++
		}
		if (!ncmd) print "error\tno strcmp(argv[...], \"command\")"
	}' "$W/main.c" | sort -u >"$W/main.list"
grep -q '^sig	' "$W/main.list" ||
    echo "error	no handled signal" >>"$W/main.list"

# What conf.c accepts: "section<TAB>Name" and "key<TAB>Section<TAB>Name".
awk '
	function lc(s) { return tolower(s) }
	# "#define I SEC_INTERFACE": the short names used in the tables.
	/^[ \t]*#[ \t]*define[ \t]/ {
		l = $0; sub(/^[ \t]*#[ \t]*define[ \t]+/, "", l)
		split(l, a, /[ \t]+/)
		if (a[2] ~ /^SEC_[A-Z0-9_]+$/) mac[a[1]] = a[2]
	}
	# A function starts at column 0 (style(9)); collect its
	# strcasecmp(var, "literal") and keep them if it is the one that
	# parses section headers.
	/^[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/ { nlit = 0; hdr = 0 }
	{
		s = $0
		while (match(s, /strcasecmp[ \t]*\([ \t]*[A-Za-z_][A-Za-z0-9_]*[ \t]*,[ \t]*"[^"]+"/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			sub(/^[^"]*"/, "", t); sub(/"$/, "", t)
			lit[++nlit] = t
		}
	}
	/unknown section/ { hdr = 1 }
	/^}/ {
		if (hdr)
			for (i = 1; i <= nlit; i++) sec[lc(lit[i])] = lit[i]
		hdr = 0; nlit = 0
	}
	# The keyword tables, joined so that wrapped entries do not matter.
	/struct[ \t]+keyword[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\[[^]]*\][ \t]*=/ {
		intab = 1
	}
	intab {
		tabs = tabs " " $0
		if ($0 ~ /}[ \t]*;/) intab = 0
	}
	END {
		for (k in sec) { print "section\t" sec[k]; nsec++ }
		if (!nsec) print "error\tno section names in the header parser"
		s = tabs
		while (match(s, /\{[ \t]*"[^"]+"[ \t]*,[ \t]*[A-Za-z_][A-Za-z0-9_]*/)) {
			t = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			sub(/^\{[ \t]*"/, "", t)
			name = t; sub(/".*/, "", name)
			tok = t; sub(/.*[ \t,]/, "", tok)
			if (tok in mac) tok = mac[tok]
			id = lc(tok); sub(/^sec_/, "", id)
			if (id in sec)
				print "key\t" sec[id] "\t" name
			else
				print "error\tkey " name ": section " tok " has no name"
			nkey++
		}
		if (!nkey) print "error\tno keys in a struct keyword table"
	}' "$W/conf.c" | sort -u >"$W/conf.list"

# Extraction that found nothing means this script no longer matches the
# code: fail rather than pass an empty check.
if grep -h '^error	' "$W/main.list" "$W/conf.list" >"$W/errors"; then
	while IFS='	' read -r _ why; do
		fail "man_extract: $why (tests/cli/test_manpages.sh needs updating)"
	done <"$W/errors"
fi

# --- tund.8: options, commands, signals ----------------------------------

# What tund.8 has: "synfl<TAB>x" per flag letter and "syncm<TAB>name" in
# the SYNOPSIS, "itfl"/"itcm" on .It lines, "sig<TAB>SIGX" on .It lines of
# SIGNALS.
awk '
	/^\.Sh[ \t]/ { sh = $2 }
	/^\./ {
		it = ($1 == ".It")
		for (i = 2; i < NF; i++) {
			if ($i == "Fl") {
				w = $(i + 1)
				if (it) print "itfl\t" substr(w, 1, 1)
				if (sh == "SYNOPSIS")
					for (j = 1; j <= length(w); j++)
						print "synfl\t" substr(w, j, 1)
			}
			if ($i == "Cm") {
				if (sh == "SYNOPSIS") print "syncm\t" $(i + 1)
				if (it) print "itcm\t" $(i + 1)
			}
		}
		if ($1 == ".Cm" && NF >= 2) {
			if (sh == "SYNOPSIS") print "syncm\t" $2
		}
		if ($1 == ".Fl" && NF >= 2 && sh == "SYNOPSIS")
			for (j = 1; j <= length($2); j++)
				print "synfl\t" substr($2, j, 1)
		if (it && sh == "SIGNALS")
			for (i = 2; i <= NF; i++)
				if ($i ~ /^SIG[A-Z0-9]+$/) print "sig\t" $i
	}' "$MAN8" | sort -u >"$W/man8.list"

has8() { grep -qxF "$1	$2" "$W/man8.list"; }

while IFS='	' read -r kind name; do
	case $kind in
	opt)
		why=""
		has8 synfl "$name" || why="not in SYNOPSIS"
		has8 itfl "$name" ||
		    why="${why:+$why, }no .It Fl $name entry"
		if [ -z "$why" ]; then pass "man_option_$name"
		else fail "man_option_$name: -$name is in getopt() but $why in tund.8"
		fi ;;
	cmd)
		why=""
		has8 syncm "$name" || why="not in SYNOPSIS"
		has8 itcm "$name" ||
		    why="${why:+$why, }no .It Cm $name entry"
		if [ -z "$why" ]; then pass "man_command_$name"
		else fail "man_command_$name: tund $name exists but $why in tund.8"
		fi ;;
	sig)
		if has8 sig "$name"; then pass "man_signal_$name"
		else fail "man_signal_$name: handled in tund.c but not on an .It line of SIGNALS in tund.8"
		fi ;;
	esac
done <"$W/main.list"

# --- tund.conf.5: sections and keys --------------------------------------

# The page's headings and the keys of its .It Ic entries, then one result
# line per section and key of conf.list.
awk -v list="$W/conf.list" '
	BEGIN {
		split("Ac Ao Ap Aq Ar Bc Bo Bq Brc Bro Brq Cm Dc Do Dq Dv Em " \
		    "Er Ev Fa Fl Ic Li Ms Nm No Ns Oc Oo Op Pa Pc Po Pq Qc " \
		    "Ql Qo Qq Sc So Sq Sx Sy Va Xc Xo Xr", m, " ")
		for (i in m) macro[m[i]] = 1
	}
	/^\.\\"/ { next }
	{ page = page "\n" tolower($0) }
	/^\.S[hs][ \t]/ {
		nh++
		for (i = 2; i <= NF; i++) {
			w = tolower($i); gsub(/[][]/, "", w)
			heads[w] = heads[w] " " nh " "
		}
	}
	/^\.It[ \t]/ {
		ic = 0
		for (i = 2; i <= NF; i++) {
			if ($i == "Ic") { ic = 1; continue }
			if ($i in macro) { ic = 0; continue }
			if (ic && $i !~ /^[,|;:.()]$/) it[nh, tolower($i)] = 1
		}
	}
	END {
		while ((getline line < list) > 0) {
			split(line, f, "\t")
			if (f[1] == "section") {
				why = ""
				if (index(page, "[" tolower(f[2]) "]") == 0)
					why = "[" f[2] "] not in the page"
				if (!(tolower(f[2]) in heads))
					why = why (why ? ", " : "") \
					    "no .Sh/.Ss heading naming it"
				if (why == "") print "PASS man_conf_section_" f[2]
				else print "FAIL man_conf_section_" f[2] ": " \
				    why " in tund.conf.5"
			} else if (f[1] == "key") {
				s = tolower(f[2]); k = tolower(f[3])
				name = "man_conf_" f[2] "_" f[3]
				if (!(s in heads)) {
					print "FAIL " name ": tund.conf.5 has no " \
					    "heading for [" f[2] "] to document " \
					    f[3] " under"
					continue
				}
				found = 0
				n = split(heads[s], h, " ")
				for (i = 1; i <= n; i++)
					if ((h[i], k) in it) found = 1
				if (found) print "PASS " name
				else print "FAIL " name ": [" f[2] "] key " f[3] \
				    " accepted by conf.c but has no .It Ic " f[3] \
				    " under the [" f[2] "] heading of tund.conf.5"
			}
		}
	}' "$MAN5"
