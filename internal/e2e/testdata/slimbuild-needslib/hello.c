#include <stdio.h>
extern char *curl_version(void);
int main(void) { printf("%s\n", curl_version()); return 0; }
