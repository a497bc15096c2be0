// SPDX-License-Identifier: MIT
pragma solidity ^0.8.9;

/// The transcoder pool: a doubly-linked list of addresses kept in non-increasing order of a key
/// (the delegated stake), with a maximum size. Membership ⇔ key > 0.
///
/// Callers pass a (prev, next) hint for where a key belongs. A correct hint makes an insert O(1);
/// a wrong or stale one only costs gas: the search then walks from the best usable starting point.
/// Every walk is bounded by the list size, which is bounded by `maxSize`.
library TranscoderPool {
    struct Node {
        uint256 key;
        address next; // towards the tail (smaller keys)
        address prev; // towards the head (larger keys)
    }

    struct Data {
        address head;
        address tail;
        uint256 maxSize;
        uint256 size;
        mapping(address => Node) nodes;
    }

    /// The size can only grow: shrinking would need evictions nobody asked for.
    function setMaxSize(Data storage self, uint256 _size) internal {
        require(_size > self.maxSize, "new max size must be greater than old max size");
        self.maxSize = _size;
    }

    function insert(Data storage self, address _id, uint256 _key, address _prevHint, address _nextHint) internal {
        require(self.size < self.maxSize, "list is full");
        require(!contains(self, _id), "node already in list");
        require(_id != address(0), "id is null");
        require(_key > 0, "key is zero");

        (address prev, address next) = _findPosition(self, _key, _prevHint, _nextHint);
        Node storage node = self.nodes[_id];
        node.key = _key;
        node.prev = prev;
        node.next = next;
        if (prev == address(0)) self.head = _id;
        else self.nodes[prev].next = _id;
        if (next == address(0)) self.tail = _id;
        else self.nodes[next].prev = _id;
        self.size += 1;
    }

    function remove(Data storage self, address _id) internal {
        require(contains(self, _id), "node not in list");
        Node storage node = self.nodes[_id];
        address prev = node.prev;
        address next = node.next;
        if (prev == address(0)) self.head = next;
        else self.nodes[prev].next = next;
        if (next == address(0)) self.tail = prev;
        else self.nodes[next].prev = prev;
        delete self.nodes[_id];
        self.size -= 1;
    }

    /// Moves `_id` to where `_newKey` belongs; a zero key removes it.
    function updateKey(Data storage self, address _id, uint256 _newKey, address _prevHint, address _nextHint) internal {
        remove(self, _id);
        if (_newKey > 0) insert(self, _id, _newKey, _prevHint, _nextHint);
    }

    function contains(Data storage self, address _id) internal view returns (bool) {
        return self.nodes[_id].key > 0;
    }

    function isFull(Data storage self) internal view returns (bool) {
        return self.size == self.maxSize;
    }

    function getKey(Data storage self, address _id) internal view returns (uint256) {
        return self.nodes[_id].key;
    }

    /// Next member towards the tail; 0 at the tail and for non-members.
    function getNext(Data storage self, address _id) internal view returns (address) {
        return self.nodes[_id].next;
    }

    // --- position search ---

    function _findPosition(Data storage self, uint256 _key, address _prev, address _next)
        private
        view
        returns (address, address)
    {
        if (_isValidPosition(self, _key, _prev, _next)) return (_prev, _next);
        // A member hint on the right side of the key is still a good place to start walking.
        if (contains(self, _prev) && self.nodes[_prev].key >= _key) return _walkToTail(self, _key, _prev);
        if (contains(self, _next) && self.nodes[_next].key <= _key) return _walkToHead(self, _key, _next);
        address head = self.head;
        if (head == address(0) || self.nodes[head].key < _key) return (address(0), head);
        return _walkToTail(self, _key, head);
    }

    /// Is "between _prev and _next" a correct place for `_key`? (0 stands for the list's ends.)
    function _isValidPosition(Data storage self, uint256 _key, address _prev, address _next)
        private
        view
        returns (bool)
    {
        if (_prev == address(0) && _next == address(0)) return self.size == 0;
        if (_prev == address(0)) return self.head == _next && _key >= self.nodes[_next].key;
        if (_next == address(0)) return self.tail == _prev && _key <= self.nodes[_prev].key;
        Node storage p = self.nodes[_prev];
        return p.next == _next && p.key >= _key && _key >= self.nodes[_next].key;
    }

    /// From `_start` (a member whose key is >= `_key`), go towards the tail past every key >= `_key`:
    /// a new node goes after the members with an equal key.
    function _walkToTail(Data storage self, uint256 _key, address _start)
        private
        view
        returns (address prev, address next)
    {
        prev = _start;
        next = self.nodes[prev].next;
        while (next != address(0) && self.nodes[next].key >= _key) {
            prev = next;
            next = self.nodes[next].next;
        }
    }

    /// From `_start` (a member whose key is <= `_key`), go towards the head past every key < `_key`.
    function _walkToHead(Data storage self, uint256 _key, address _start)
        private
        view
        returns (address prev, address next)
    {
        next = _start;
        prev = self.nodes[next].prev;
        while (prev != address(0) && self.nodes[prev].key < _key) {
            next = prev;
            prev = self.nodes[prev].prev;
        }
    }
}
