/* The example image's program: a static binary, so it needs nothing else. */
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("Hello from a stowage image (uid %d)\n", (int)getuid());
    for (int i = 1; i < argc; i++) printf("arg: %s\n", argv[i]);
    return 0;
}
