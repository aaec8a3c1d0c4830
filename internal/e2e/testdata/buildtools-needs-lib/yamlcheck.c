/* yamlcheck: prints the version of libyaml it runs with, so that the image
   needs libyaml's runtime library, which only libyaml-dev brought in. */
#include <stdio.h>
#include <yaml.h>

int main(void) {
	printf("libyaml %s\n", yaml_get_version_string());
	return 0;
}
