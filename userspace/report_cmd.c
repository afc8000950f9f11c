// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "report_cmd.h"
#include "report/load.h"
#include "report/render.h"
#include "lib/util.h"

static const char report_usage[] =
	"usage: schedrift report FILE [--format text|json|html|chrome] [-o OUT] [--top N]\n"
	"                        [--salvage] [--samples]\n"
	"\n"
	"Print what a trace file made by `schedrift record` holds. A run-queue wait runs from\n"
	"the wakeup (or preemption) to running; it is shown whole and split into delivery\n"
	"(wakeup to on a run queue) and queueing (on the run queue to running).\n"
	"\n"
	"  -f, --format FORMAT  text (default); json (schema schedrift.report/2); html (one\n"
	"                       self-contained page with charts); chrome (Trace Event Format\n"
	"                       JSON: open it in ui.perfetto.dev or chrome://tracing)\n"
	"  -o, --output OUT     write to OUT instead of stdout\n"
	"  -n, --top N          show the N tasks with the highest penalty (text and html default\n"
	"                       20, json and chrome default all; 0 = all)\n"
	"      --salvage        report what a damaged or cut-short file holds before the damage\n"
	"      --samples        json only: list every run-queue wait of every task, in time\n"
	"                       order, and each one's delivery part\n"
	"  -v, --verbose        debug messages on stderr\n"
	"  -h, --help           this help\n";

/* The names --format takes, and what --top defaults to in each (0 = all). */
static const struct {
	const char *name;
	int default_top;
} formats[FMT_NR] = {
	[FMT_TEXT] = { "text", 20 },
	[FMT_JSON] = { "json", 0 },
	[FMT_HTML] = { "html", 20 },
	[FMT_CHROME] = { "chrome", 0 },
};

const char *report__format_name(int i)
{
	return i >= 0 && i < FMT_NR ? formats[i].name : NULL;
}

static int format_of(const char *name)
{
	int i;

	for (i = 0; i < FMT_NR; i++)
		if (!strcmp(name, formats[i].name))
			return i;
	return -1;
}

int report__print(const struct report *r, FILE *out, const char *path, int fmt, int top,
		  int samples)
{
	switch (fmt) {
	case FMT_JSON: report__print_json(r, out, top, samples); return 0;
	case FMT_HTML: return report__print_html(r, out, path, top);
	case FMT_CHROME: return report__print_chrome(r, out, top);
	default: report__print_text(r, out, path, top); return 0;
	}
}

/* The parser's tables; `schedrift __complete` reads them too (lib/completion.c). */
const struct option report__longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", required_argument, NULL, 'n' },
	{ "salvage", no_argument, NULL, 's' },
	{ "samples", no_argument, NULL, 'S' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{},
};
const char report__shortopts[] = ":f:o:n:vh";

int report__parse(int argc, char **argv, struct report_opts *o)
{
	const char *format = "text";
	long top = -1;
	__u64 v;
	int opt;

	memset(o, 0, sizeof(*o));
	/* 0, not 1: glibc then also forgets a cluster left half-read by an earlier parse. */
	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, report__shortopts, report__longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': format = optarg; break;
		case 'o': o->out_path = optarg; break;
		case 'n':
			if (parse_u64(optarg, 0, 1000000000, &v)) {
				msg_err("report: bad --top '%s': want a count >= 0", optarg);
				return EXIT_USAGE;
			}
			top = v;
			break;
		case 's': o->salvage = 1; break;
		case 'S': o->samples = 1; break;
		case 'v': verbose = 1; break;
		case 'h': fputs(report_usage, stdout); return -1;
		default: return option_error("report", opt, argv);
		}
	}
	o->fmt = format_of(format);
	if (o->fmt < 0) {
		msg_err("report: unknown format '%s' (text, json, html, chrome)", format);
		return EXIT_USAGE;
	}
	/* Only JSON has a place for them; silently ignoring the option would look like no data. */
	if (o->samples && o->fmt != FMT_JSON) {
		msg_err("report: --samples applies to --format json only (the %s report has no "
			"list of waits)", formats[o->fmt].name);
		return EXIT_USAGE;
	}
	if (optind != argc - 1) {
		msg_err("report: want exactly one trace FILE (see schedrift report --help)");
		return EXIT_USAGE;
	}
	o->path = argv[optind];
	o->top = top < 0 ? formats[o->fmt].default_top : top;
	return 0;
}

int cmd_report(int argc, char **argv)
{
	struct trace_error e = {};
	struct report_opts o;
	struct report r;
	FILE *out = stdout;
	const char *path;
	int rc;

	rc = report__parse(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;
	path = o.path;
	rc = report__load(&r, path, o.salvage, &e);
	if (rc) {
		if (e.offset == TRACE_NO_OFFSET)
			msg_err("%s: %s", path, e.msg);
		else
			msg_err("%s: %s (at byte %llu)", path, e.msg, (unsigned long long)e.offset);
		return rc;
	}
	if (r.error[0])
		msg_err("warning: %s: %s; reporting the records before it", path, r.error);
	if (o.out_path) {
		out = fopen(o.out_path, "w");
		if (!out) {
			msg_err("failed to create %s: %s", o.out_path, strerror(errno));
			report__free(&r);
			return EXIT_RUNTIME;
		}
	}
	rc = report__print(&r, out, path, o.fmt, o.top, o.samples);
	if (rc) {
		msg_err("failed to make the %s report: %s", formats[o.fmt].name, strerror(-rc));
		rc = EXIT_RUNTIME;
	} else if (fflush(out) || ferror(out)) {
		msg_err("failed to write the report: %s", strerror(errno));
		rc = EXIT_RUNTIME;
	}
	if (out != stdout)
		fclose(out);
	report__free(&r);
	return rc;
}
