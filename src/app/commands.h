/* commands: the use-case commands beside verify/bounds/info (main.c).
 * Each takes argv after the command name (argv[0] is the command) and
 * returns the process exit code. */
#ifndef NC_COMMANDS_H
#define NC_COMMANDS_H

int cmd_suite(int argc, char **argv);
int cmd_certify(int argc, char **argv);
int cmd_gate(int argc, char **argv);

#endif
