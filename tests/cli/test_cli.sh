#!/bin/sh
# The command line: usage, -n, genkey and pubkey (against wg when present).
. "$(dirname "$0")/../lib.sh"

umask 077
check cli_usage_h sh -c "! '$TUND' -h 2>'$W/err' && grep -q '^usage: tund' '$W/err'"
check cli_usage_unknown sh -c "'$TUND' -x 2>'$W/err'; test \$? = 1 &&
    grep -q '^usage: tund' '$W/err'"
check cli_usage_extra_arg sh -c "'$TUND' -n stray 2>/dev/null; test \$? = 1"

k=$("$TUND" genkey)
check cli_genkey_format sh -c "echo '$k' | grep -Eq '^[A-Za-z0-9+/]{43}=$'"
check cli_genkey_differs sh -c "test '$k' != \"\$('$TUND' genkey)\""
# RFC 7748 6.1: Alice's private key and public key, as base64.
check cli_pubkey_rfc7748 sh -c "echo dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo= |
    '$TUND' pubkey | grep -qx 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo='"
check cli_pubkey_bad sh -c "echo nonsense | '$TUND' pubkey 2>/dev/null; test \$? = 1"
if command -v wg >/dev/null 2>&1; then
	check cli_pubkey_vs_wg sh -c "test \"\$(echo '$k' | '$TUND' pubkey)\" = \"\$(echo '$k' | wg pubkey)\""
	w=$(wg genkey)
	check cli_wg_genkey_vs_pubkey sh -c "test \"\$(echo '$w' | '$TUND' pubkey)\" = \"\$(echo '$w' | wg pubkey)\""
else
	skip "cli_pubkey_vs_wg: wg(8) not installed"
	skip "cli_wg_genkey_vs_pubkey: wg(8) not installed"
fi

printf '[Interface]\nPrivateKey = %s\nAddress = 198.18.0.1/24\n' "$k" > "$W/ok.conf"
check cli_configtest_ok sh -c "'$TUND' -n -f '$W/ok.conf' | grep -qx 'configuration OK'"
for f in "$TOP"/conf/*.conf; do
	cp "$f" "$W/sample.conf"
	check "cli_sample_$(basename "$f" .conf)" sh -c "'$TUND' -n -f '$W/sample.conf' >/dev/null"
done
printf '[Interface]\nPrivateKey = %s\nListenPort = 99999\nMTU = x\n' "$k" > "$W/bad.conf"
"$TUND" -n -f "$W/bad.conf" >"$W/out" 2>"$W/err"; rc=$?
check cli_configtest_bad sh -c "test $rc = 1 && ! grep -q OK '$W/out' &&
    grep -q '^$W/bad.conf:3: ' '$W/err' && grep -q '^$W/bad.conf:4: ' '$W/err'"
chmod 644 "$W/ok.conf"
"$TUND" -n -f "$W/ok.conf" >/dev/null 2>"$W/err"; rc=$?
check cli_configtest_mode sh -c "test $rc = 1 && grep -q 'chmod 600' '$W/err'"
check cli_missing_file sh -c "! '$TUND' -n -f '$W/none.conf' 2>'$W/err' &&
    grep -q 'none.conf' '$W/err'"
