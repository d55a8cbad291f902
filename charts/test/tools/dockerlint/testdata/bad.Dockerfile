# Deliberately wrong: the dockerlint test checks that each of these is reported.
FROM node:22-bookworm-slim as build
ENV API_KEY=abc
MAINTAINER someone
CMD node dist/main.js
