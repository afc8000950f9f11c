// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The bash completion script, written from the tables the parsers hand
 * getopt_long(): an option added to a parser is in the completion with
 * no second list to forget. `make completion` runs `schedrift __complete
 * bash` at build time; the package and `make install` ship its output.
 * tests/cli/test_completion compares its words with every --help.
 *
 * The shell side is plain bash (COMP_WORDS, compgen), so it works with or
 * without the bash-completion package's helpers.
 */
#include <ctype.h>
#include <string.h>
#include "lib/completion.h"

/* The option's one-letter form, if the short-option string has it; 0 if not. */
static int short_of(const struct completion_cmd *c, const struct option *o)
{
	if (o->flag || o->val <= 0 || o->val > 127 || !isalnum(o->val) || !c->shortopts)
		return 0;
	return strchr(c->shortopts, o->val) ? o->val : 0;
}

/* Space-separated: the options that take a value (want_arg) or those that do not. */
static void print_opts(FILE *f, const struct completion_cmd *c, int want_arg)
{
	const struct option *o;
	const char *sep = "";

	for (o = c->longopts; o && o->name; o++) {
		if ((o->has_arg == required_argument) != want_arg)
			continue;
		if (short_of(c, o)) {
			fprintf(f, "%s-%c", sep, short_of(c, o));
			sep = " ";
		}
		fprintf(f, "%s--%s", sep, o->name);
		sep = " ";
	}
}

/* One case arm: the command's options and, for the value after an option, what fits. */
static void print_cmd(FILE *f, const struct completion_cmd *c)
{
	const struct option *o;
	int i;

	fprintf(f, "\t%s)\n\t\topts='", c->name ? c->name : "''");
	print_opts(f, c, 0);
	fprintf(f, "'\n\t\targopts='");
	print_opts(f, c, 1);
	fprintf(f, "'\n\t\ttakes_file=%d\n", c->takes_file);
	for (o = c->longopts; c->choice_opt && o && o->name; o++) {
		if (strcmp(o->name, c->choice_opt))
			continue;
		fprintf(f, "\t\tcase $prev in --%s", o->name);
		if (short_of(c, o))
			fprintf(f, "|-%c", short_of(c, o));
		fprintf(f, ") choices='");
		for (i = 0; c->choice(i); i++)
			fprintf(f, "%s%s", i ? " " : "", c->choice(i));
		fprintf(f, "' ;; esac\n");
	}
	fprintf(f, "\t\t;;\n");
}

int completion__bash(FILE *f, const struct completion_cmd *globals,
		     const struct completion_cmd *cmds)
{
	const struct completion_cmd *c;

	fprintf(f,
		"# bash completion for schedrift: every command and option.\n"
		"# Written by `schedrift __complete bash` from the option tables its parser\n"
		"# uses (userspace/lib/completion.c); regenerate it rather than edit it.\n"
		"_schedrift()\n"
		"{\n"
		"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		"\tlocal cmd='' i opts='' argopts='' choices='' takes_file=0\n"
		"\t# bash splits --opt=value at the '=': complete the value.\n"
		"\tif [[ $cur == = ]]; then\n"
		"\t\tcur=''\n"
		"\telif [[ $prev == = ]] && ((COMP_CWORD > 2)); then\n"
		"\t\tprev=${COMP_WORDS[COMP_CWORD-2]}\n"
		"\tfi\n"
		"\t# The command is the first word that is not an option (global\n"
		"\t# options take no value).\n"
		"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
		"\t\tcase ${COMP_WORDS[i]} in\n"
		"\t\t-*) ;;\n"
		"\t\t*) cmd=${COMP_WORDS[i]}; break ;;\n"
		"\t\tesac\n"
		"\tdone\n"
		"\tCOMPREPLY=()\n"
		"\tcase $cmd in\n");
	print_cmd(f, globals);
	for (c = cmds; c->name; c++)
		print_cmd(f, c);
	fprintf(f,
		"\t*) return ;;\n"
		"\tesac\n"
		"\t# The value of an option: its fixed list, else a file name.\n"
		"\tif [[ $cmd && \" $argopts \" == *\" $prev \"* ]]; then\n"
		"\t\tif [[ $choices ]]; then\n"
		"\t\t\tCOMPREPLY=($(compgen -W \"$choices\" -- \"$cur\"))\n"
		"\t\telse\n"
		"\t\t\tcompopt -o filenames 2>/dev/null\n"
		"\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		"\t\tfi\n"
		"\t\treturn\n"
		"\tfi\n"
		"\tif [[ $cur == -* ]]; then\n"
		"\t\tCOMPREPLY=($(compgen -W \"$opts $argopts\" -- \"$cur\"))\n"
		"\telif [[ -z $cmd ]]; then\n"
		"\t\tCOMPREPLY=($(compgen -W '");
	for (c = cmds; c->name; c++)
		fprintf(f, "%s%s", c == cmds ? "" : " ", c->name);
	fprintf(f,
		"' -- \"$cur\"))\n"
		"\telif ((takes_file)); then\n"
		"\t\tcompopt -o filenames 2>/dev/null\n"
		"\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
		"\tfi\n"
		"}\n"
		"complete -F _schedrift schedrift\n");
	return fflush(f) || ferror(f) ? -1 : 0;
}
