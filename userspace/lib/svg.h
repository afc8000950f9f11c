/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Just enough SVG to draw a chart inline in an HTML page: shapes with a CSS
 * class (the page's stylesheet colours them), escaped text, tooltips, and
 * linear or log10 scales. Coordinates are printed with one decimal, so the
 * same data always gives the same bytes.
 */
#ifndef SCHEDRIFT_SVG_H
#define SCHEDRIFT_SVG_H

#include <stdio.h>

/* Maps data values [d0, d1] onto SVG coordinates [p0, p1]. */
struct svg_scale {
	double d0, d1; /* for a log scale: log10 of the range's ends */
	double p0, p1;
	int log;
};

double svg__map(const struct svg_scale *s, double v);

/* <svg> with a viewBox, and a <title> for screen readers and tooltips. */
void svg__begin(FILE *f, int width, int height, const char *title);
void svg__end(FILE *f);

/* cls may be NULL. tip, when not NULL, becomes a <title> tooltip (escaped). */
void svg__rect(FILE *f, double x, double y, double w, double h, const char *cls, const char *tip);
void svg__line(FILE *f, double x1, double y1, double x2, double y2, const char *cls);
/* anchor: "start", "middle" or "end". The text is escaped. */
void svg__text(FILE *f, double x, double y, const char *anchor, const char *cls, const char *text);

/* A polyline through n points; the caller gives the points with svg__point(). */
void svg__polyline_begin(FILE *f, const char *cls);
void svg__point(FILE *f, double x, double y);
void svg__polyline_end(FILE *f);

#endif /* SCHEDRIFT_SVG_H */
