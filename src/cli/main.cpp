#include "cli/app.hpp"

int main(int argc, char** argv) {
    return screener::cli::screener_main(argc, argv);
}
