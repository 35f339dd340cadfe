/* Subcommands of the seer command. Each returns the process exit status (0 ok, 1 failure,
 * 2 usage error) and never calls exit(). */
#ifndef SEER_CLI_H
#define SEER_CLI_H

int seer_cli_detect(int argc, char **argv);
int seer_cli_models(int argc, char **argv);
int seer_cli_bench(int argc, char **argv);
int seer_cli_eval(int argc, char **argv);
int seer_cli_batch(int argc, char **argv);
int seer_cli_serve(int argc, char **argv);
int seer_cli_user(int argc, char **argv);
int seer_cli_token(int argc, char **argv);
int seer_cli_tune(int argc, char **argv);
int seer_cli_import(int argc, char **argv);

#endif /* SEER_CLI_H */
