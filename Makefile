# tund: one Makefile for GNU make and BSD make (no conditionals, no pattern
# rules).  The system picks its device and netcfg files through OS_SRCS_*.

PREFIX ?=	/usr/local
BINDIR ?=	${PREFIX}/sbin
MANDIR ?=	${PREFIX}/share/man
SYSCONFDIR ?=	/etc
EXAMPLESDIR ?=	${PREFIX}/share/examples/tund
SYSTEMDDIR ?=	/lib/systemd/system
DESTDIR ?=

CC ?=		cc
CFLAGS ?=	-O2 -g
WARNINGS =	-Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
		-Wmissing-prototypes -Wno-unused-parameter
PKGS =		libevent libevent_pthreads libpcap libcrypto
PKG_CFLAGS !=	pkg-config --cflags ${PKGS} 2>/dev/null || true
PKG_LIBS !=	pkg-config --libs ${PKGS} 2>/dev/null || true

# make check SANITIZE=1 (address + undefined) or SANITIZE=thread
SAN_1 =		-fsanitize=address,undefined -fno-omit-frame-pointer \
		-fno-sanitize-recover=undefined
SAN_address =	${SAN_1}
SAN_thread =	-fsanitize=thread
SAN_FLAGS =	${SAN_${SANITIZE}}

OS !=		uname -s
BSD_SRCS =	tund/tun_bsd.c tund/netcfg.c tund/netcfg_bsd.c
SANDBOX_Linux =	tund/sandbox_linux.c
SANDBOX_OpenBSD = tund/sandbox_openbsd.c
SANDBOX_FreeBSD = tund/sandbox_none.c
SANDBOX_DragonFly = ${SANDBOX_FreeBSD}
SANDBOX_NetBSD = ${SANDBOX_FreeBSD}
SANDBOX_SRC =	${SANDBOX_${OS}}
OS_SRCS_Linux =	tund/tun_linux.c tund/netcfg.c tund/netcfg_linux.c
OS_SRCS_FreeBSD = ${BSD_SRCS}
OS_SRCS_DragonFly = ${BSD_SRCS}
OS_SRCS_OpenBSD = ${BSD_SRCS}
OS_SRCS_NetBSD = ${BSD_SRCS}
OS_SRCS =	${OS_SRCS_${OS}} ${SANDBOX_SRC}

ALL_CFLAGS =	${CFLAGS} ${WARNINGS} ${SAN_FLAGS} -pthread -D_GNU_SOURCE \
		${PKG_CFLAGS}
ALL_LDFLAGS =	${LDFLAGS} ${SAN_FLAGS} -pthread

CORE_SRCS =	tund/log.c tund/prefix.c tund/key.c tund/conf.c \
		tund/conf_file.c tund/crypto.c tund/tunhdr.c \
		tund/netcfg_journal.c
PROTO_SRCS =	tund/noise.c tund/cookie.c tund/ratelimit.c tund/timers.c \
		tund/replay.c tund/allowedips.c tund/index.c tund/icmp.c \
		tund/offload.c tund/parallel.c tund/inet.c tund/loadpkt.c
# Everything but main(), so unit tests can link the daemon.
DAEMON_SRCS =	tund/genkey.c tund/hook.c tund/iface.c tund/report.c \
		tund/json.c tund/control.c tund/uapi.c tund/show.c \
		tund/client.c tund/resolve.c \
		tund/pcapio.c tund/priv.c tund/privdrop.c \
		tund/tunnel.c tund/peer.c tund/handshake.c tund/send.c \
		tund/receive.c tund/udp.c tund/worker.c tund/load.c \
		tund/sender.c tund/sink.c ${PROTO_SRCS} ${CORE_SRCS} ${OS_SRCS}
SRCS =		tund/tund.c ${DAEMON_SRCS}
HDRS =		tund/*.h

T =		tests/unit
UNIT_TESTS =	${T}/test_prefix ${T}/test_key ${T}/test_conf \
		${T}/test_crypto ${T}/test_tunhdr ${T}/test_netcfg_journal \
		${T}/test_sandbox \
		${T}/test_replay ${T}/test_allowedips ${T}/test_noise \
		${T}/test_cookie ${T}/test_ratelimit ${T}/test_timers \
		${T}/test_icmp ${T}/test_offload ${T}/test_parallel ${T}/test_receive \
		${T}/test_report ${T}/test_pcapio ${T}/test_loadpkt \
		${T}/test_sink ${T}/test_uapi ${T}/test_resolve \
		${T}/test_json ${T}/test_show

all: tund/tund

tund/tund: ${SRCS} ${HDRS} .flags
	${CC} ${ALL_CFLAGS} -o $@ ${SRCS} ${ALL_LDFLAGS} ${PKG_LIBS}

# Rebuild everything when the compiler flags change (e.g. SANITIZE=1).
.flags: FORCE
	@echo '${CC} ${ALL_CFLAGS} ${ALL_LDFLAGS}' > .flags.new
	@if cmp -s .flags.new .flags; then rm .flags.new; \
	else mv .flags.new .flags; fi
FORCE:

UNIT_DEPS =	${T}/t.c ${T}/t.h ${HDRS} .flags
UNIT_CC =	${CC} ${ALL_CFLAGS} -Itund -o $@

${T}/test_prefix: ${T}/test_prefix.c tund/prefix.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_prefix.c ${T}/t.c tund/prefix.c ${ALL_LDFLAGS}
${T}/test_key: ${T}/test_key.c tund/key.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_key.c ${T}/t.c tund/key.c ${ALL_LDFLAGS}
CONF_SRCS =	tund/conf.c tund/conf_file.c tund/prefix.c tund/key.c \
		tund/crypto.c
${T}/test_conf: ${T}/test_conf.c ${CONF_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_conf.c ${T}/t.c ${CONF_SRCS} ${ALL_LDFLAGS} \
	    ${PKG_LIBS}
UAPI_SRCS =	tund/uapi.c tund/prefix.c tund/key.c tund/crypto.c
${T}/test_uapi: ${T}/test_uapi.c ${UAPI_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_uapi.c ${T}/t.c ${UAPI_SRCS} ${ALL_LDFLAGS} \
	    ${PKG_LIBS}
${T}/test_crypto: ${T}/test_crypto.c tund/crypto.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_crypto.c ${T}/t.c tund/crypto.c ${ALL_LDFLAGS} \
	    ${PKG_LIBS}
${T}/test_sandbox: ${T}/test_sandbox.c ${SANDBOX_SRC} tund/log.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_sandbox.c ${T}/t.c ${SANDBOX_SRC} tund/log.c \
	    ${ALL_LDFLAGS}
${T}/test_tunhdr: ${T}/test_tunhdr.c tund/tunhdr.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_tunhdr.c ${T}/t.c tund/tunhdr.c ${ALL_LDFLAGS}

${T}/test_netcfg_journal: ${T}/test_netcfg_journal.c tund/netcfg_journal.c \
    tund/prefix.c tund/log.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_netcfg_journal.c ${T}/t.c tund/netcfg_journal.c \
	    tund/prefix.c tund/log.c ${ALL_LDFLAGS}
${T}/test_replay: ${T}/test_replay.c tund/replay.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_replay.c ${T}/t.c tund/replay.c ${ALL_LDFLAGS}
${T}/test_allowedips: ${T}/test_allowedips.c tund/allowedips.c tund/prefix.c \
    ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_allowedips.c ${T}/t.c tund/prefix.c ${ALL_LDFLAGS}
${T}/test_noise: ${T}/test_noise.c tund/noise.c tund/crypto.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_noise.c ${T}/t.c tund/noise.c tund/crypto.c \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_cookie: ${T}/test_cookie.c tund/cookie.c tund/crypto.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_cookie.c ${T}/t.c tund/cookie.c tund/crypto.c \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_ratelimit: ${T}/test_ratelimit.c tund/ratelimit.c tund/crypto.c \
    ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_ratelimit.c ${T}/t.c tund/ratelimit.c \
	    tund/crypto.c ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_timers: ${T}/test_timers.c tund/timers.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_timers.c ${T}/t.c tund/timers.c ${ALL_LDFLAGS}
${T}/test_icmp: ${T}/test_icmp.c tund/icmp.c tund/inet.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_icmp.c ${T}/t.c tund/icmp.c tund/inet.c \
	    ${ALL_LDFLAGS}
${T}/test_offload: ${T}/test_offload.c tund/offload.c tund/inet.c \
    ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_offload.c ${T}/t.c tund/offload.c tund/inet.c \
	    ${ALL_LDFLAGS}
${T}/test_report: ${T}/test_report.c tund/report.c tund/json.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_report.c ${T}/t.c tund/report.c tund/json.c \
	    ${ALL_LDFLAGS}
${T}/test_json: ${T}/test_json.c tund/json.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_json.c ${T}/t.c tund/json.c ${ALL_LDFLAGS}
${T}/test_pcapio: ${T}/test_pcapio.c tund/pcapio.c tund/log.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_pcapio.c ${T}/t.c tund/pcapio.c tund/log.c \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_loadpkt: ${T}/test_loadpkt.c tund/loadpkt.c tund/inet.c ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_loadpkt.c ${T}/t.c tund/loadpkt.c tund/inet.c \
	    ${ALL_LDFLAGS}
# SRCS but tund/tund.c (main): keep the two lists alike.
${T}/test_parallel: ${T}/test_parallel.c ${DAEMON_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_parallel.c ${T}/t.c ${DAEMON_SRCS} \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_receive: ${T}/test_receive.c ${DAEMON_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_receive.c ${T}/t.c ${DAEMON_SRCS} \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_sink: ${T}/test_sink.c ${DAEMON_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_sink.c ${T}/t.c ${DAEMON_SRCS} \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_show: ${T}/test_show.c ${DAEMON_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_show.c ${T}/t.c ${DAEMON_SRCS} \
	    ${ALL_LDFLAGS} ${PKG_LIBS}
${T}/test_resolve: ${T}/test_resolve.c ${DAEMON_SRCS} ${UNIT_DEPS}
	${UNIT_CC} ${T}/test_resolve.c ${T}/t.c ${DAEMON_SRCS} \
	    ${ALL_LDFLAGS} ${PKG_LIBS}

# The two commands of README's quick start.  Each installs what it needs
# first (tests/deps.sh), then builds in a fresh make so pkg-config is asked
# again.
check:
	sh tests/deps.sh check
	${MAKE} SANITIZE=${SANITIZE} tund/tund ${UNIT_TESTS}
	sh tests/run.sh ${UNIT_TESTS}

demo:
	sh tests/deps.sh demo
	${MAKE} tund/tund
	sh tests/demo.sh

# The service scripts go where each system looks for them (systemd units
# on Linux, rc.d elsewhere), pointing at BINDIR.
install: tund/tund
	install -d ${DESTDIR}${BINDIR} ${DESTDIR}${MANDIR}/man8 \
	    ${DESTDIR}${MANDIR}/man5 ${DESTDIR}${SYSCONFDIR}/tund \
	    ${DESTDIR}${EXAMPLESDIR}
	install -m 755 tund/tund ${DESTDIR}${BINDIR}/tund
	install -m 644 man/tund.8 ${DESTDIR}${MANDIR}/man8/tund.8
	install -m 644 man/tund.conf.5 ${DESTDIR}${MANDIR}/man5/tund.conf.5
	install -m 600 conf/tund.conf ${DESTDIR}${SYSCONFDIR}/tund/tund.conf.sample
	install -m 600 conf/*.conf ${DESTDIR}${EXAMPLESDIR}/
	case "${OS}" in \
	Linux)	d=${DESTDIR}${SYSTEMDDIR}; f="tund.service tund@.service" ;; \
	OpenBSD) d=${DESTDIR}/etc/rc.d; f=tund.openbsd ;; \
	*)	d=${DESTDIR}${PREFIX}/etc/rc.d; f=tund ;; \
	esac; install -d $$d; for s in $$f; do \
	    sed 's|/usr/local/sbin|${BINDIR}|' rc.d/$$s > $$d/$${s%.openbsd}; \
	    chmod 644 $$d/$${s%.openbsd}; done; \
	[ "${OS}" = Linux ] || chmod 555 $$d/tund

lint:
	mandoc -Tlint -W warning man/tund.8 man/tund.conf.5

# The libFuzzer targets of tests/fuzz (clang), each built with ASan and
# UBSan and run for FUZZ_SECONDS; corpora grow in FUZZ_DIR between runs.
FUZZ_TARGETS =	conf uapi packets receive
FUZZ_SECONDS =	60
FUZZ_DIR =	/tmp/tund-fuzz
FUZZ_CC =	clang -g -O1 -fsanitize=fuzzer,address,undefined \
		-D_GNU_SOURCE -Itund -Itests/fuzz ${PKG_CFLAGS}
fuzz:
	mkdir -p ${FUZZ_DIR}
	for t in ${FUZZ_TARGETS}; do \
	    ${FUZZ_CC} -o ${FUZZ_DIR}/fuzz_$$t tests/fuzz/fuzz_$$t.c \
	        ${DAEMON_SRCS} ${PKG_LIBS} -lpthread || exit 1; \
	    d=tests/fuzz/$$t.dict; [ -f $$d ] && d=-dict=$$d || d=; \
	    mkdir -p ${FUZZ_DIR}/corpus_$$t; \
	    ${FUZZ_DIR}/fuzz_$$t -max_total_time=${FUZZ_SECONDS} \
	        -rss_limit_mb=2048 -max_len=16384 $$d \
	        ${FUZZ_DIR}/corpus_$$t || exit 1; \
	done

clean:
	rm -f tund/tund ${UNIT_TESTS} .flags .flags.new

.PHONY: all check demo bench install lint fuzz clean FORCE
