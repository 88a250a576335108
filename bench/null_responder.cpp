// The bench's ceiling: a FastCGI responder that does nothing but answer `{}`, with the same
// threading as `latchkey serve` (one FCGX_Request per thread on a shared listening socket), so
// that nginx -> it measures what FastCGI itself costs.
//
//   latchkey-null-responder SOCKET_PATH THREADS
#include <fcgiapp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

void answer_forever(int listen_fd) {
    FCGX_Request request;
    FCGX_InitRequest(&request, listen_fd, 0);
    while (FCGX_Accept_r(&request) == 0) {
        FCGX_PutS("Status: 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
                  request.out);
        FCGX_Finish_r(&request);
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s SOCKET_PATH THREADS\n", argv[0]);
        return 2;
    }
    const std::string path = argv[1];
    const int threads = std::atoi(argv[2]);
    if (threads < 1 || FCGX_Init() != 0) return 2;
    unlink(path.c_str());
    const int fd = FCGX_OpenSocket(path.c_str(), 1024);
    if (fd < 0) {
        std::perror("FCGX_OpenSocket");
        return 1;
    }
    chmod(path.c_str(),
          0666);  // nginx's workers may run as another user (root starts them as nobody)
    std::vector<std::thread> pool;
    for (int i = 0; i < threads; ++i) pool.emplace_back(answer_forever, fd);
    for (auto& t : pool) t.join();
}
