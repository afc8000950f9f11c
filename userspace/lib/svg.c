// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include "lib/html.h"
#include "lib/svg.h"

double svg__map(const struct svg_scale *s, double v)
{
	double d;

	if (s->log)
		v = v > 0 ? log10(v) : s->d0;
	if (s->d1 == s->d0)
		return s->p0;
	d = (v - s->d0) / (s->d1 - s->d0);
	/* Clamp: a value off the scale stays on the chart's edge. */
	if (d < 0)
		d = 0;
	if (d > 1)
		d = 1;
	return s->p0 + d * (s->p1 - s->p0);
}

void svg__begin(FILE *f, int width, int height, const char *title)
{
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		   "height=\"%d\" role=\"img\">\n<title>", width, height, width, height);
	html__escape_str(f, title);
	fputs("</title>\n", f);
}

void svg__end(FILE *f)
{
	fputs("</svg>\n", f);
}

static void cls_attr(FILE *f, const char *cls)
{
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
}

void svg__rect(FILE *f, double x, double y, double w, double h, const char *cls, const char *tip)
{
	fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"", x, y, w, h);
	cls_attr(f, cls);
	if (!tip) {
		fputs("/>\n", f);
		return;
	}
	fputs("><title>", f);
	html__escape_str(f, tip);
	fputs("</title></rect>\n", f);
}

void svg__line(FILE *f, double x1, double y1, double x2, double y2, const char *cls)
{
	fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x1, y1, x2, y2);
	cls_attr(f, cls);
	fputs("/>\n", f);
}

void svg__text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text)
{
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"", x, y, anchor);
	cls_attr(f, cls);
	fputc('>', f);
	html__escape_str(f, text);
	fputs("</text>\n", f);
}

void svg__polyline_begin(FILE *f, const char *cls)
{
	fputs("<polyline", f);
	cls_attr(f, cls);
	fputs(" points=\"", f);
}

void svg__point(FILE *f, double x, double y)
{
	fprintf(f, "%.1f,%.1f ", x, y);
}

void svg__polyline_end(FILE *f)
{
	fputs("\"/>\n", f);
}
