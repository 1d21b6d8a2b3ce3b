// The system's zlib (Debian's zlib1g-dev), for the results API's gzip answers.
#include <zlib.h>
