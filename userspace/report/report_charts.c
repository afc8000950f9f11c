// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The HTML report's charts, drawn as inline SVG so the page needs nothing
 * from the network and shows them with scripts off. Colours come from the
 * page's stylesheet (classes), so the charts follow its palette.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "report/render.h"
#include "lib/svg.h"
#include "lib/util.h"

/* ---- run-queue latency distribution ---- */

#define LAT_W 760
#define LAT_H 300
#define LAT_LEFT 60
#define LAT_RIGHT 60
#define LAT_TOP 44 /* room for the percentile labels */
#define LAT_BOTTOM 40
/* Ten bins per power of ten: fine enough to show modes, coarse enough to fill. */
#define BINS_PER_DECADE 10

/* Number of samples below x in sorted v. */
static size_t count_below(const __u64 *v, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((double)v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Decades in integers, so that 1000 ns is exactly 10^3 whatever log10() says. */
static int decade_floor(__u64 v)
{
	__u64 p = 1;
	int d = 0;

	while (p <= v / 10) {
		p *= 10;
		d++;
	}
	return d;
}

static int decade_ceil(__u64 v)
{
	__u64 p = 1;
	int d = 0;

	while (p < v) {
		p *= 10;
		d++;
	}
	return d;
}

/* "1ns", "10us", "100ms", "1s", "1000s". */
static void decade_label(char *buf, size_t len, int d)
{
	static const char *const units[] = { "ns", "us", "ms", "s" };
	int u = d / 3 < 3 ? d / 3 : 3;
	__u64 v = 1;
	int i;

	for (i = 0; i < d - 3 * u; i++)
		v *= 10;
	snprintf(buf, len, "%llu%s", (unsigned long long)v, units[u]);
}

static double edge(int d0, int k)
{
	return pow(10.0, d0 + (double)k / BINS_PER_DECADE);
}

static void lat_axes(FILE *f, const struct svg_scale *xs, int d0, int d1, double max_share)
{
	double y0 = LAT_H - LAT_BOTTOM, y1 = LAT_TOP, x, y;
	char label[32];
	int d, q;

	for (d = d0; d <= d1; d++) {
		x = svg__map(xs, pow(10.0, d));
		svg__line(f, x, y1, x, y0 + 4, "grid");
		decade_label(label, sizeof(label), d);
		svg__text(f, x, y0 + 16, "middle", NULL, label);
	}
	for (q = 0; q <= 4; q++) {
		y = y0 - (y0 - y1) * q / 4;
		svg__line(f, LAT_LEFT, y, LAT_W - LAT_RIGHT, y, "grid");
		snprintf(label, sizeof(label), "%d%%", q * 25);
		svg__text(f, LAT_W - LAT_RIGHT + 6, y + 4, "start", "cdf-label", label);
	}
	svg__line(f, LAT_LEFT, y0, LAT_W - LAT_RIGHT, y0, "axis");
	svg__line(f, LAT_LEFT, y0, LAT_LEFT, y1, "axis");
	snprintf(label, sizeof(label), "%.1f%%", max_share * 100);
	svg__text(f, LAT_LEFT - 6, y1 + 4, "end", "bar-label", label);
	svg__text(f, LAT_LEFT - 6, y0 + 4, "end", "bar-label", "0%");
	svg__text(f, (LAT_LEFT + LAT_W - LAT_RIGHT) / 2.0, LAT_H - 6, "middle", NULL,
		  "wait, runnable to running (log scale)");
}

static void lat_percentiles(FILE *f, const struct svg_scale *xs, const struct lat *l)
{
	const struct { const char *name; __u64 v; } marks[] = {
		{ "p50", l->p50 }, { "p99", l->p99 }, { "p99.9", l->p999 },
	};
	char label[48], d[16];
	double x, tx;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(marks); i++) {
		x = svg__map(xs, marks[i].v ? marks[i].v : 1);
		svg__line(f, x, LAT_TOP, x, LAT_H - LAT_BOTTOM, "pct");
		snprintf(label, sizeof(label), "%s %s", marks[i].name,
			 fmt_duration(d, sizeof(d), marks[i].v));
		/* Labels stagger downwards and stay inside the image. */
		tx = x < LAT_LEFT + 40 ? LAT_LEFT + 40 : x > LAT_W - 80 ? LAT_W - 80 : x;
		svg__text(f, tx, 12 + 11 * i, "middle", "pct-label", label);
	}
}

static void lat_bars(FILE *f, const struct svg_scale *xs, const __u64 *v, size_t n, int d0,
		     int nb, double max_share)
{
	double y0 = LAT_H - LAT_BOTTOM, h = LAT_H - LAT_BOTTOM - LAT_TOP, x0, x1;
	char tip[96], a[16], b[16];
	size_t below = 0, next;
	int k;

	for (k = 0; k < nb; k++) {
		next = k + 1 == nb ? n : count_below(v, n, edge(d0, k + 1));
		if (next > below) {
			double share = (double)(next - below) / n;

			x0 = svg__map(xs, edge(d0, k));
			x1 = svg__map(xs, edge(d0, k + 1));
			snprintf(tip, sizeof(tip), "%s to %s: %zu waits (%.2f%%)",
				 fmt_duration(a, sizeof(a), (__u64)edge(d0, k)),
				 fmt_duration(b, sizeof(b), (__u64)edge(d0, k + 1)), next - below,
				 share * 100);
			svg__rect(f, x0 + 0.5, y0 - h * share / max_share, x1 - x0 - 1,
				  h * share / max_share, "bar", tip);
		}
		below = next;
	}
}

/* The share of waits at or below each bin edge: the CDF, on the right axis. */
static void lat_cdf(FILE *f, const struct svg_scale *xs, const __u64 *v, size_t n, int d0, int nb)
{
	double y0 = LAT_H - LAT_BOTTOM, h = LAT_H - LAT_BOTTOM - LAT_TOP;
	size_t below;
	int k;

	svg__polyline_begin(f, "cdf");
	for (k = 0; k <= nb; k++) {
		below = k == 0 ? 0 : k == nb ? n : count_below(v, n, edge(d0, k));
		svg__point(f, svg__map(xs, edge(d0, k)), y0 - h * below / n);
	}
	svg__polyline_end(f);
}

int report__svg_latency(const struct report *r, FILE *f)
{
	struct svg_scale xs = { .p0 = LAT_LEFT, .p1 = LAT_W - LAT_RIGHT, .log = 1 };
	size_t i, k, n = 0, max_bin = 0, below = 0, next;
	int d0, d1, nb;
	__u64 *v;

	if (!r->nr_waits) {
		fputs("<p>No run-queue waits in this capture.</p>\n", f);
		return 0;
	}
	v = malloc(r->nr_waits * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->nr_tasks; i++)
		for (k = 0; k < r->tasks[i].waits.n && n < r->nr_waits; k++)
			v[n++] = r->tasks[i].waits.v[k] & SAMPLE_WAIT_MASK;
	qsort(v, n, sizeof(*v), cmp_u64);
	d0 = decade_floor(v[0] ? v[0] : 1);
	d1 = decade_ceil(v[n - 1] ? v[n - 1] : 1);
	if (d1 <= d0)
		d1 = d0 + 1;
	nb = (d1 - d0) * BINS_PER_DECADE;
	xs.d0 = d0;
	xs.d1 = d1;
	for (k = 0; k < (size_t)nb; k++, below = next) {
		next = k + 1 == (size_t)nb ? n : count_below(v, n, edge(d0, k + 1));
		if (next - below > max_bin)
			max_bin = next - below;
	}

	svg__begin(f, LAT_W, LAT_H, "System run-queue latency: waits per bin and cumulative share");
	lat_axes(f, &xs, d0, d1, (double)max_bin / n);
	lat_bars(f, &xs, v, n, d0, nb, (double)max_bin / n);
	lat_cdf(f, &xs, v, n, d0, nb);
	lat_percentiles(f, &xs, &r->sys_runq);
	svg__end(f);
	free(v);
	return 0;
}

/* ---- migrations per node pair ---- */

#define PAIR_W 760
#define PAIR_LABEL 80 /* the "0 -> 1" column */
#define PAIR_COUNT 90 /* room for the count after the longest bar */
#define PAIR_TOP 34   /* the legend */
#define PAIR_ROW 20

static __u64 pair_total(const struct sdr_node_cell *c)
{
	return report__total(c->by_cause, SDR_CAUSE_NR);
}

static void pair_legend(FILE *f)
{
	char cls[8];
	int c;

	for (c = 0; c < SDR_CAUSE_NR; c++) {
		snprintf(cls, sizeof(cls), "c%d", c);
		svg__rect(f, PAIR_LABEL + c * 90, 8, 12, 12, cls, NULL);
		svg__text(f, PAIR_LABEL + c * 90 + 16, 18, "start", NULL, cause_names[c]);
	}
}

static void pair_row(FILE *f, const struct sdr_node_cell *cell, int from, int to, double y,
		     double scale)
{
	char label[64], tip[128], cls[8];
	__u64 total = pair_total(cell);
	double x = PAIR_LABEL;
	int c;

	snprintf(label, sizeof(label), "%d \u2192 %d", from, to);
	svg__text(f, PAIR_LABEL - 8, y + 14, "end", from == to ? NULL : "remote", label);
	for (c = 0; c < SDR_CAUSE_NR; c++) {
		double w = cell->by_cause[c] * scale;

		if (!cell->by_cause[c])
			continue;
		snprintf(cls, sizeof(cls), "c%d", c);
		snprintf(tip, sizeof(tip), "node %d \u2192 %d, %s: %llu of %llu", from, to,
			 cause_names[c], (unsigned long long)cell->by_cause[c],
			 (unsigned long long)total);
		svg__rect(f, x, y + 3, w, PAIR_ROW - 6, cls, tip);
		x += w;
	}
	snprintf(label, sizeof(label), "%llu", (unsigned long long)total);
	svg__text(f, x + 6, y + 14, "start", NULL, label);
}

int report__svg_node_pairs(const struct report *r, FILE *f)
{
	int from, to, rows = 0, nn = r->nr_nodes;
	__u64 max = 0, t;
	double y;

	for (from = 0; from < nn; from++)
		for (to = 0; to < nn; to++) {
			t = pair_total(&r->node_matrix[from * nn + to]);
			rows += t > 0;
			if (t > max)
				max = t;
		}
	if (!rows) {
		fputs("<p>No migrations in this capture.</p>\n", f);
		return 0;
	}
	svg__begin(f, PAIR_W, PAIR_TOP + rows * PAIR_ROW + 8,
		   "Migrations per node pair (from \u2192 to), by cause");
	pair_legend(f);
	y = PAIR_TOP;
	for (from = 0; from < nn; from++)
		for (to = 0; to < nn; to++) {
			const struct sdr_node_cell *cell = &r->node_matrix[from * nn + to];

			if (!pair_total(cell))
				continue;
			pair_row(f, cell, from, to, y,
				 (double)(PAIR_W - PAIR_LABEL - PAIR_COUNT) / max);
			y += PAIR_ROW;
		}
	svg__end(f);
	return 0;
}
