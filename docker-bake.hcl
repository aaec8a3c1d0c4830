// Builds the optfrontend image. `docker buildx bake` builds the default
// target for the builder's platform; `docker buildx bake release` builds
// linux/amd64 and linux/arm64.

variable "IMAGE" {
  default = "org/optfrontend"
}

variable "TAG" {
  default = "latest"
}

variable "VERSION" {
  default = "dev"
}

group "default" {
  targets = ["image"]
}

target "image" {
  context    = "."
  dockerfile = "Dockerfile"
  args = {
    VERSION = VERSION
  }
  tags = ["${IMAGE}:${TAG}"]
}

target "release" {
  inherits  = ["image"]
  platforms = ["linux/amd64", "linux/arm64"]
}
