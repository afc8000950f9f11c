/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's SLO rules and flight-recorder captures (docs/slo.md): the
 * config keys, carrying rule state over a reload, and writing a capture
 * to DIR/captures/ when a rule starts to breach.
 */
#ifndef SCHEDRIFT_DAEMON_SLO_H
#define SCHEDRIFT_DAEMON_SLO_H

#include <stddef.h>
#include "live/collector.h"
#include "daemon/settings.h"

#define DAEMON_DEFAULT_FLIGHT_S 10.0
#define DAEMON_DEFAULT_CAPTURE_GAP_S 300.0
#define DAEMON_DEFAULT_CAPTURES_MAX_BYTES (256ull << 20)
#define DAEMON_FLIGHT_MAX_BYTES (64u << 20) /* the recorder's memory cap */

/*
 * A config key of the SLO family ("slo", "slo NAME", "flight_seconds",
 * "capture_interval", "captures_max_mb"): 1 when handled (0 or an error
 * in *rc, with err filled), 0 when the key is not one of them.
 */
int daemon_slo__config_key(struct daemon_settings *s, const char *key, const char *val, int *rc,
			   char *err, size_t errlen);

/* Keeps the state of the rules of old that next defines the same way. */
void daemon_slo__carry(struct daemon_settings *next, const struct daemon_settings *old);

/* The flight recorder's window for collector_opts: 0 when there are no rules. */
__u64 daemon_slo__flight_ns(const struct daemon_settings *s);

/*
 * After an interval's files are written: one capture per rule that began to
 * breach (fresh[i]), rate-limited per rule, into set->metrics_dir/captures/,
 * whose size is then capped; one log line per capture naming the file.
 */
void daemon_slo__capture(struct collector *c, struct daemon_settings *set, const int *fresh);

#endif /* SCHEDRIFT_DAEMON_SLO_H */
