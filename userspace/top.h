/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `schedrift top`: the live view. */
#ifndef SCHEDRIFT_TOP_H
#define SCHEDRIFT_TOP_H

int cmd_top(int argc, char **argv);

#endif /* SCHEDRIFT_TOP_H */
